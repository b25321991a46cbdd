"""Being written (temporary stand-ins)."""


def household_grades(request, household): raise NotImplementedError
def village_results(request, village): raise NotImplementedError
