"""Being written (temporary stand-ins)."""


def appeal_list(request, pk): raise NotImplementedError
def appeal_file(request, pk, household): raise NotImplementedError
def appeal_detail(request, pk): raise NotImplementedError
def appeal_decide(request, pk): raise NotImplementedError
