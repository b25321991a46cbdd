"""Being written (temporary stand-ins)."""


def notification_list(request): raise NotImplementedError
