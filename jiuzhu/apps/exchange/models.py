"""Import batches, department records, the assistance chain and registry conflicts.

Provenance: every stored fact points at its source (feed key), its batch and a date.
Identifiers are stored like the registry's: SM4-GCM ciphertext bound to the row's UUID,
an HMAC-SM3 blind index (purpose ``id_number``, so a record matches a registry member by
equal index) and a mask.  Payloads never contain identifiers.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.rules import vocab
from jiuzhu.rules.exchange.sources import SOURCES

from .choices import AmountBasis, BatchState, Channel, ConflictStatus, OutboxState

SOURCE_CHOICES = [(s.key, s.label_zh) for s in SOURCES.values()]
COMPARED_FIELD_LABELS = {"death_date": "死亡日期", "disability_type": "残疾类别", "disability_grade": "残疾等级",
                         "school_stage": "在学阶段"}


def value_label(field: str, value: str) -> str:
    if not value:
        return ""
    if field == "disability_grade":
        return f"{value}级"
    codes = {"disability_type": vocab.DisabilityType, "school_stage": vocab.SchoolStage}.get(field)
    if codes is not None:
        return dict(vocab.choices(codes)).get(value, value)
    return value


class ImportBatch(models.Model):
    """One file from one department: identity (source, SM3 of the bytes) (R22).

    States: received → validated → committed | rejected; failed (a database error during
    the commit) is retryable: importing the same file again resumes it.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(_("data source"), max_length=48, choices=SOURCE_CHOICES)
    department = models.CharField(_("department"), max_length=24)
    content_hash = models.CharField(_("content hash (SM3)"), max_length=64)
    state = models.CharField(_("state"), max_length=10, choices=BatchState.choices, default=BatchState.RECEIVED)
    channel = models.CharField(_("channel"), max_length=3, choices=Channel.choices)
    filename = models.CharField(_("file name"), max_length=120)
    file_format = models.CharField(_("format"), max_length=10, blank=True)
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("uploaded by"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_valid = models.PositiveIntegerField(_("valid rows"), default=0)
    rows_error = models.PositiveIntegerField(_("rows with errors"), default=0)
    rows_new = models.PositiveIntegerField(_("new records"), default=0)
    rows_updated = models.PositiveIntegerField(_("updated records"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("unchanged records"), default=0)
    errors_total = models.PositiveIntegerField(_("errors"), default=0)
    errors_preview = models.JSONField(default=list, blank=True)
    error_report = models.CharField(max_length=64, blank=True)
    file_error = models.CharField(_("file error"), max_length=300, blank=True)
    # Issue 14: what the reader did with the file (skipped titles, totals, sheets; which
    # column went to which field, through which mapping), notices (15-digit IDs upgraded),
    # the period the uploader said the file covers, and what the commit did to the chain.
    skipped = models.JSONField(default=list, blank=True)
    columns = models.JSONField(default=list, blank=True)
    notices = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    period_end = models.DateField(_("data up to"), null=True, blank=True)
    chain_added = models.PositiveIntegerField(_("assistance-chain entries added"), default=0)
    chain_removed = models.PositiveIntegerField(_("assistance-chain entries removed"), default=0)
    chain_removed_amount = models.DecimalField(_("amount removed from the chain (yuan)"), max_digits=16,
                                               decimal_places=2, default=0)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "content_hash"], name="exchange_batch_identity"),
        ]

    def __str__(self) -> str:
        return f"{self.source} #{self.pk} {self.state}"

    @property
    def source_label(self) -> str:
        s = SOURCES.get(self.source)
        return s.label_zh if s else self.source


class DepartmentRecord(models.Model):
    """One fact from a department feed, keyed by the feed's natural key (unique per source)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=48, choices=SOURCE_CHOICES)
    department = models.CharField(max_length=24)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="records")
    key_digest = models.CharField(max_length=64)
    values_digest = models.CharField(max_length=64)
    person_index = models.CharField(max_length=64)  # indexed in Meta: equality only (see there)
    id_number_enc = models.TextField()
    id_number_masked = models.CharField(max_length=18)
    id_upgraded_from_15 = models.BooleanField(default=False)
    secrets_enc = models.JSONField(default=dict, blank=True)
    payload = models.JSONField(default=dict)
    event_date = models.DateField(null=True, blank=True)
    member = models.ForeignKey("registry.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    household = models.ForeignKey("registry.Household", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "key_digest"], name="exchange_record_natural_key"),
        ]
        # A blind index is only ever compared for equality: a plain index, not db_index=True, which on
        # PostgreSQL adds a second, varchar_pattern_ops index for LIKE that every feed commit paid for.
        indexes = [models.Index(fields=["person_index"], name="exchange_record_person")]

    def __str__(self) -> str:
        return f"{self.source} {self.id_number_masked} {self.event_date or ''}"


class AssistanceRecord(models.Model):
    """One assistance given to a person (一户（人）一条救助链): from a feed or from the platform."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person_index = models.CharField(max_length=64)  # indexed in Meta, as DepartmentRecord's
    member = models.ForeignKey("registry.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    household = models.ForeignKey("registry.Household", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    programme = models.CharField(_("programme"), max_length=40)
    department = models.CharField(_("department"), max_length=24)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    amount_basis = models.CharField(max_length=8, choices=AmountBasis.choices, default=AmountBasis.TOTAL)
    in_kind = models.CharField(_("in kind"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=48)
    fact_key = models.CharField(max_length=64)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    record = models.OneToOneField(DepartmentRecord, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="assistance")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "fact_key"], name="exchange_assistance_once"),
        ]
        indexes = [models.Index(fields=["person_index"], name="exchange_assistance_person")]

    def __str__(self) -> str:
        return f"{self.programme} {self.start_date or ''} ({self.source})"


class RegistryConflict(models.Model):
    """A department value that differs from the registry's; never applied silently."""

    SCOPE_REGION_FIELD = "member__household__village"

    member = models.ForeignKey("registry.Member", on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=32)
    registry_value = models.CharField(max_length=64, blank=True)
    department_value = models.CharField(max_length=64)
    source = models.CharField(max_length=48)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="conflicts")
    record = models.ForeignKey(DepartmentRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=8, choices=ConflictStatus.choices, default=ConflictStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "field", "source", "department_value"],
                                    name="exchange_conflict_once"),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.registry_value!r} ≠ {self.department_value!r} ({self.source})"

    @property
    def field_label(self) -> str:
        return COMPARED_FIELD_LABELS.get(self.field, self.field)

    @property
    def source_label(self) -> str:
        return SOURCES[self.source].label_zh if self.source in SOURCES else self.source

    @property
    def registry_value_label(self) -> str:
        return value_label(self.field, self.registry_value)

    @property
    def department_value_label(self) -> str:
        return value_label(self.field, self.department_value)


class OutboxMessage(models.Model):
    """A push to a department, written in the same transaction as the fact it announces.

    Transactional outbox (RELIABILITY K6): the writer only inserts a row; a delivery worker
    sends it with its idempotency key, retries with back-off while the receiver is down and
    marks it acknowledged when the receiver confirms.  ``key`` is unique, so enqueueing the
    same message twice stores it once; receivers deduplicate on the same key.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.CharField(_("idempotency key"), max_length=128, unique=True)
    department = models.CharField(_("department"), max_length=24, db_index=True)
    topic = models.CharField(_("topic"), max_length=48)
    payload = models.JSONField(default=dict)
    state = models.CharField(_("state"), max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    acked_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="exchange_outbox_due")]

    def __str__(self) -> str:
        return f"{self.department}/{self.topic} {self.key} ({self.state})"


class PushNonce(models.Model):
    """A nonce seen on a signed request (RELIABILITY A7): reuse within its lifetime is refused.

    Kept until ``expires_at`` (the timestamp window on both sides, so a request whose nonce
    was swept is refused for its stale timestamp anyway); swept by ``outbox_deliver``.
    """

    key_id = models.CharField(max_length=150)
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_id", "nonce"], name="exchange_nonce_once")]

    def __str__(self) -> str:
        return f"{self.key_id} {self.nonce}"


class IdempotencyRecord(models.Model):
    """The first result for one ``Idempotency-Key`` (RELIABILITY A6), per caller and endpoint.

    ``fingerprint`` is SM3 over the endpoint, the source and the content of the request; the
    same key with a different fingerprint is refused (409), the same key with the same
    fingerprint answers the stored batch again.
    """

    scope = models.CharField(max_length=160)
    key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="exchange_idempotency_once")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class ColumnMapping(models.Model):
    """A department's own name for a column of a feed (issue 14 item 8), saved once, used by
    every later file of that department for that feed: 医疗总费用 → total_cost, or ignore
    (``field`` blank) for 备注-like columns the platform does not take."""

    source = models.CharField(_("data source"), max_length=48, choices=SOURCE_CHOICES)
    department = models.CharField(_("department"), max_length=24)
    header = models.CharField(_("column name in the file"), max_length=100)
    header_key = models.CharField(max_length=100)
    field = models.CharField(_("field"), max_length=48, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source", "department", "header"]
        constraints = [
            models.UniqueConstraint(fields=["source", "department", "header_key"], name="exchange_mapping_once"),
        ]

    def __str__(self) -> str:
        return f"{self.department}/{self.source}: {self.header} → {self.field or '(ignored)'}"


class PendingUpload(models.Model):
    """A file uploaded and previewed, waiting for the officer to confirm or cancel (item 9).

    The bytes are kept under ``var/exchange/uploads/<uid>`` (never the uploader's name, U24)
    and swept after ``JIUZHU_UPLOAD_KEEP_HOURS``; ``preview`` holds the masked summary shown.
    Only the uploader sees it.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(_("data source"), max_length=48, choices=SOURCE_CHOICES)
    department = models.CharField(_("department"), max_length=24)
    filename = models.CharField(_("file name"), max_length=120)
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    content_hash = models.CharField(_("content hash (SM3)"), max_length=64)
    period_end = models.DateField(_("data up to"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    preview = models.JSONField(default=dict, blank=True)
    mapping_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.filename} ({self.uid})"

    @property
    def source_label(self) -> str:
        s = SOURCES.get(self.source)
        return s.label_zh if s else self.source
