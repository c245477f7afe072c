"""Sign in with either a username or an e-mail address."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        candidates = User._default_manager.filter(
            Q(username__iexact=username) | Q(email__iexact=username)
        ).order_by("pk")[:2]
        users = list(candidates)
        if len(users) != 1:
            # Unknown, or an e-mail shared by two accounts: run the hasher anyway so that timing
            # does not tell an attacker which usernames exist.
            User().set_password(password)
            return None
        user = users[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
