import pytest


@pytest.fixture
def ready(world, scheme, credit_for):
    """The test world with the default scheme and a 双基 assessment for both
    households of village A1, so that they are graded."""
    credit_for(world.household)
    credit_for(world.household_a1_2)
    return world
