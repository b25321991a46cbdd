"""Being written (temporary stand-ins)."""


def certificate_issue(request, household): raise NotImplementedError
def certificate_pdf(request, pk): raise NotImplementedError
def verify(request, token): raise NotImplementedError
