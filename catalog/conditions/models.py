"""The coded list of patient conditions (pregnancy, anticoagulant therapy, …)."""

from catalog.extensions import db
from catalog.vocabulary import CodedTermMixin


class Condition(CodedTermMixin, db.Model):
    __tablename__ = "conditions"
