"""One router per domain (`ninja.Router`), registered in sanxin/api/v1.py. Every
operation reads through the caller's scope (`request.scope`, accounts/scope.py, the
same selectors the pages use): objects outside it answer 404, a missing permission 403."""
