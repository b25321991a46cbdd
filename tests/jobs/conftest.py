import pytest


@pytest.fixture
def committed(transactional_db):
    """The worker's claim takes an exclusive transaction (on SQLite BEGIN EXCLUSIVE),
    which cannot run inside a test's transaction: these tests commit for real, and the
    append-only triggers are dropped just for the flush (as in tests/e2e)."""
    from sanxin.lib.append_only import append_only_tables, create_triggers, drop_triggers
    from sanxin.rules.services import scheme_versions_unfreeze_for_erase

    create_triggers(append_only_tables())
    yield
    drop_triggers()
    scheme_versions_unfreeze_for_erase()
