"""Shared building blocks for stateful models."""
from django.db import models
from django_fsm import ConcurrentTransitionMixin


class StatefulModel(ConcurrentTransitionMixin, models.Model):
    """A model whose ``status`` only moves by transitions.

    ``ConcurrentTransitionMixin`` (which includes ``FSMModelMixin``) lets ``refresh_from_db`` reload a protected state field;
    it also makes the UPDATE conditional on the state we loaded, so two staff
    acting at once cannot both succeed even where a row lock was not taken (services lock too).
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
