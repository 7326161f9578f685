"""The permission predicates as a table."""

from types import SimpleNamespace

import pytest

from governance import policy
from governance.policy import Standing

USER = SimpleNamespace(id=1)
MEMBER = SimpleNamespace(id=5, status="member")
APPLICANT = SimpleNamespace(id=6, status="applied")
LEFT = SimpleNamespace(id=7, status="left")

# Pure predicates need no app, but the suite's autouse rate-limit reset does.
pytestmark = pytest.mark.usefixtures("app")

PEOPLE = {
    "nobody": Standing(user=None),
    "user": Standing(user=USER),
    "applicant": Standing(user=USER, member=APPLICANT),
    "member": Standing(user=USER, member=MEMBER),
    "left": Standing(user=USER, member=LEFT),
    "proxy": Standing(user=USER, proxy_for=frozenset({3})),
    "officer": Standing(user=USER, is_officer=True),
    "secretary": Standing(user=USER, is_secretary=True),
}
DRAFT = SimpleNamespace(id=3, status="draft", secret=True, result=None)
OPEN = SimpleNamespace(id=3, status="open", secret=True, result=None)
OPEN_VOTE = SimpleNamespace(id=3, status="open", secret=False, result=None)

TABLE = [
    # predicate, args, who may
    (policy.can_manage_register, (), {"secretary"}),
    (policy.can_manage_proposals, (), {"secretary"}),
    (policy.can_see_member_names, (), {"member", "secretary"}),
    (policy.can_apply, (), {"user", "left", "proxy", "officer", "secretary"}),
    (policy.can_leave, (), {"member"}),
    (policy.is_scrutineer, (), {"officer", "secretary"}),
    (policy.can_countersign, (), {"officer"}),
    (policy.can_see_proposal, (DRAFT,), {"officer", "secretary"}),
    (policy.can_see_proposal, (OPEN,), {"member", "proxy", "officer", "secretary"}),
    (policy.can_see_full_log, (OPEN,), {"officer", "secretary"}),
    (policy.can_see_full_log, (OPEN_VOTE,), {"member", "proxy", "officer", "secretary"}),
]


@pytest.mark.parametrize(("predicate", "args", "allowed"), TABLE)
@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_permission_table(predicate, args, allowed, who):
    assert predicate(PEOPLE[who], *args) is (who in allowed)
