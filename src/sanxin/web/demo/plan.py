"""The plan of the demo's invented people: households, members and cadres of each
village, made by `people.plan_demo` and read by the later parts of the build."""

from __future__ import annotations

from dataclasses import dataclass

from sanxin.households.choices import PoliticalStatus


@dataclass
class PlannedPerson:
    name: str
    id_number: str
    relation: str
    sex: str
    age: int
    phone: str = ""
    political_status: str = PoliticalStatus.MASSES
    cadre_post: str = ""

    @property
    def is_head(self) -> bool:
        return self.relation == "户主"


@dataclass
class PlannedHousehold:
    number: str
    group: int  # 0-based index of the villager group
    address: str
    phone: str
    members: list[PlannedPerson]

    @property
    def head(self) -> PlannedPerson:
        return self.members[0]


@dataclass
class Cadres:
    secretary: PlannedPerson
    director: PlannedPerson
    committee: list[PlannedPerson]
    group_leaders: list[PlannedPerson]


@dataclass
class VillagePlan:
    name: str
    group_count: int
    households: list[PlannedHousehold]
    cadres: Cadres


@dataclass
class DemoPlan:
    pilot: VillagePlan
    neighbour: VillagePlan

    def villager_households(self) -> list[PlannedHousehold]:
        """The households cunmin1..3 belong to: one in each of the first three groups,
        with three or more members and no cadre."""
        chosen = []
        for g in range(3):
            in_group = [h for h in self.pilot.households if h.group == g]
            fitting = [
                h
                for h in in_group
                if len(h.members) >= 3 and not any(p.cadre_post for p in h.members)
            ]
            chosen.append((fitting or in_group)[0])
        return chosen
