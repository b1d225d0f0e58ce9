"""REST API for households and members: same validation as the forms (the services do it).

The household's determination and assistance chain are served by the apps that make them
(``determination.api``, ``exchange.api``) under the same ``/api/households/<id>/…`` paths.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiuzhu.api.pagination import ClampedPagination
from jiuzhu.api.serializers import StrictSerializer
from jiuzhu.apps.core.scoping import get_scoped_or_404, require
from jiuzhu.apps.privacy.volume import charge, listing_purpose
from jiuzhu.pii.masking import mask_certificate_number
from jiuzhu.rules.identity import age_on

from . import history, selectors, services
from .models import Household, Member
from .validation import clean_as_of

EDIT = "edit_registry"


def _age_today(birth: dt.date) -> int:
    return age_on(birth, timezone.localdate())


class MemberReadSerializer(serializers.ModelSerializer):
    """A member as the API shows it: identifiers masked, the age instead of the birth date (ADR 0024).

    The hidden digits of a masked ID number are the birth date: returning both would return
    the full number.  The full values come only from the audited unmask (查看完整号码).
    """

    age = serializers.SerializerMethodField(help_text="Age in completed years (周岁) today")

    class Meta:
        model = Member
        fields = [
            "id", "household", "id_number_masked", "id_upgraded_from_15", "name", "sex", "age",
            "relation", "hukou_code", "work_capacity", "work_capacity_assessed_by", "disability_type", "disability_grade",
            "disability_cert_no_masked", "serious_illness", "school_stage", "employment",
            "adl_eating", "adl_dressing", "adl_transfer", "adl_toileting", "adl_walking", "adl_bathing",
            "phone_masked", "bank_account_masked",
        ]
        read_only_fields = fields

    def get_age(self, member: Member) -> int:
        return _age_today(member.birth_date)


class HouseholdReadSerializer(serializers.ModelSerializer):
    members = MemberReadSerializer(many=True, read_only=True)

    class Meta:
        model = Household
        fields = ["id", "code", "county", "township", "village", "area_type", "address",
                  "phone_masked", "registered_on", "version", "members"]
        read_only_fields = fields


class HouseholdListSerializer(HouseholdReadSerializer):
    """In lists the village is enough: no street address, no phone (R13)."""

    class Meta(HouseholdReadSerializer.Meta):
        fields = ["id", "code", "county", "township", "village", "area_type", "registered_on", "version", "members"]
        read_only_fields = fields


class SearchSerializer(StrictSerializer):
    q = serializers.CharField(max_length=64, help_text="Full ID number, household number, member name or village")
    purpose = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                    help_text="Purpose code of this listing (403 lists the configured ones)")


def state_for_api(state: dict[str, Any], on: dt.date) -> dict[str, Any]:
    """A household state read from change records, masked like the live API (ages, no birth dates)."""
    members = []
    for m in state.get("member", []):
        m = dict(m)
        birth = m.pop("birth_date", None)
        m["age"] = age_on(dt.date.fromisoformat(birth), on) if birth else None
        legacy = m.pop("disability_cert_no", None)  # a record written before certificates were encrypted
        if legacy:
            m["disability_cert_no_masked"] = mask_certificate_number(legacy)
        members.append(m)
    return {**state, "member": members}


class MemberWriteSerializer(StrictSerializer):
    household = serializers.IntegerField(required=False, help_text="Household id (create only)")
    id_number = serializers.CharField(required=False, help_text="18 characters, text; 15-digit numbers are upgraded")
    name = serializers.CharField(required=False)
    relation = serializers.CharField(required=False)
    hukou_code = serializers.CharField(required=False)
    work_capacity = serializers.CharField(required=False)
    work_capacity_assessed_by = serializers.CharField(
        required=False, allow_blank=True, help_text="Who assessed no capacity to work: labour_appraisal, hospital, civil_affairs",
    )
    disability_type = serializers.CharField(required=False)
    disability_grade = serializers.IntegerField(required=False)
    disability_cert_no = serializers.CharField(required=False, allow_blank=True, help_text="Stored encrypted; read back masked")
    serious_illness = serializers.CharField(required=False, allow_blank=True)
    school_stage = serializers.CharField(required=False)
    employment = serializers.CharField(required=False)
    adl_eating = serializers.BooleanField(required=False)
    adl_dressing = serializers.BooleanField(required=False)
    adl_transfer = serializers.BooleanField(required=False)
    adl_toileting = serializers.BooleanField(required=False)
    adl_walking = serializers.BooleanField(required=False)
    adl_bathing = serializers.BooleanField(required=False)
    phone = serializers.CharField(required=False, allow_blank=True)
    bank_account = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, help_text="The household version you edited (409 if stale)")


class HouseholdWriteSerializer(StrictSerializer):
    village = serializers.CharField(required=False, help_text="12-digit village code inside your region")
    area_type = serializers.CharField(required=False)
    address = serializers.CharField(required=False)
    phone = serializers.CharField(required=False, allow_blank=True)
    head = MemberWriteSerializer(required=False, help_text="The head of household (create only)")
    version = serializers.IntegerField(required=False)


def _service(fn: Any) -> Any:
    try:
        return fn()
    except DjangoValidationError as err:
        raise ValidationError(err.message_dict if hasattr(err, "error_dict") else err.messages) from err


def _looks_like_id(query: str) -> bool:
    """A (possibly partial or spaced) ID number: 14 or more digits, perhaps ending in X."""
    compact = "".join(query.split()).upper().rstrip("X")
    return len(compact) >= 14 and compact.isdigit()


def _page(view: APIView, request: Request, qs: Any, purpose: str, endpoint: str) -> Response:
    """One page (capped, CONFIG), its people counted against the user's daily volume (ADR 0025)."""
    paginator = ClampedPagination()
    page = paginator.paginate_queryset(qs.prefetch_related("members").order_by("code"), request, view=view)
    charge(request.user, endpoint=endpoint, rows=sum(len(h.members.all()) for h in page), purpose=purpose)
    return paginator.get_paginated_response(HouseholdListSerializer(page, many=True).data)


class HouseholdListView(APIView):
    """Households in your region (search, page) and registering a new one."""

    @extend_schema(
        operation_id="households_list",
        parameters=[OpenApiParameter("q", str, description="Household number, name or village (an ID number: "
                                                            "POST /api/households/search/, never in a URL)"),
                    OpenApiParameter("purpose", str, required=True,
                                     description="Purpose code of this listing (403 lists the configured ones)"),
                    OpenApiParameter("page_size", int, description="At most 100 (CONFIG)")],
        responses=HouseholdListSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        require(request.user, "view_registry")
        query = request.query_params.get("q", "")
        if _looks_like_id(query):
            raise ValidationError({"q": ["身份证号不能放在网址中，请用 POST /api/households/search/ / "
                                         "Send ID numbers in the body of POST /api/households/search/, never in a URL."]})
        purpose = listing_purpose(request, "api-household-list")
        qs = (_service(lambda: selectors.household_search(request.user, query)) if query
              else selectors.households_for(request.user))
        return _page(self, request, qs, purpose, "api-household-list")

    @extend_schema(operation_id="households_create", request=HouseholdWriteSerializer,
                   responses={201: HouseholdReadSerializer})
    def post(self, request: Request) -> Response:
        require(request.user, EDIT)
        ser = HouseholdWriteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        head = dict(data.pop("head", {}) or {})
        data.pop("version", None)
        household = _service(lambda: services.household_create(actor=request.user, data=data, head=head))
        return Response(HouseholdReadSerializer(household).data, status=status.HTTP_201_CREATED)


class HouseholdSearchView(APIView):
    """Search with the query in the body: an ID number never goes into a URL (logs, history, proxies)."""

    @extend_schema(operation_id="households_search", request=SearchSerializer,
                   responses=HouseholdListSerializer(many=True))
    def post(self, request: Request) -> Response:
        """Search by full ID number (exact, blind index), household number, name or village."""
        require(request.user, "view_registry")
        ser = SearchSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        purpose = listing_purpose(request, "api-household-search")
        qs = _service(lambda: selectors.household_search(request.user, ser.validated_data["q"]))
        return _page(self, request, qs, purpose, "api-household-search")


class HouseholdDetailView(APIView):
    """One household in your region (now, or as of a date) and editing it.  Out of region: 404."""

    @extend_schema(
        operation_id="households_retrieve",
        parameters=[OpenApiParameter("as_of", str, description="YYYY-MM-DD: the household as it was at the end of that day")],
        responses=HouseholdReadSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        household = selectors.household_get(request.user, pk)
        as_of = request.query_params.get("as_of")
        if as_of:
            try:
                day = clean_as_of(as_of, today=timezone.localdate())
            except DjangoValidationError as err:
                raise ValidationError({"as_of": err.messages}) from err
            state = history.household_state_as_of(household, day)
            if state is None:
                return Response({"detail": "该日期时此户尚未登记 / Not registered yet on that date."}, status=404)
            return Response({"as_of": day.isoformat(), **state_for_api(state, day)})
        return Response(HouseholdReadSerializer(household).data)

    @extend_schema(operation_id="households_partial_update", request=HouseholdWriteSerializer,
                   responses=HouseholdReadSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        household = get_scoped_or_404(Household.objects.all(), request.user, EDIT, pk=pk)
        ser = HouseholdWriteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        if "head" in data:
            raise ValidationError({"head": ["请通过成员接口修改 / Edit members through /api/members/."]})
        version = data.pop("version", None)
        household = _service(lambda: services.household_update(actor=request.user, household=household, data=data, expected_version=version))
        household.refresh_from_db()
        return Response(HouseholdReadSerializer(household).data)


class MemberListView(APIView):
    """Adding a member to a household in your region."""

    @extend_schema(operation_id="members_create", request=MemberWriteSerializer,
                   responses={201: MemberReadSerializer})
    def post(self, request: Request) -> Response:
        require(request.user, EDIT)
        ser = MemberWriteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        if "household" not in data:
            raise ValidationError({"household": ["必填 / Required."]})
        household = get_scoped_or_404(Household.objects.all(), request.user, EDIT, pk=data.pop("household"))
        version = data.pop("version", None)
        member = _service(lambda: services.member_add(actor=request.user, household=household, data=data, expected_version=version))
        return Response(MemberReadSerializer(member).data, status=status.HTTP_201_CREATED)


class MemberDetailView(APIView):
    """A member of a household in your region, and editing them."""

    @extend_schema(operation_id="members_retrieve", responses=MemberReadSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(MemberReadSerializer(selectors.member_get(request.user, pk)).data)

    @extend_schema(operation_id="members_partial_update", request=MemberWriteSerializer,
                   responses=MemberReadSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        member = get_scoped_or_404(Member.objects.select_related("household"), request.user, EDIT, pk=pk)
        ser = MemberWriteSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        if "household" in data:
            raise ValidationError({"household": ["不能通过此接口迁移成员 / Members cannot be moved here."]})
        version = data.pop("version", None)
        member = _service(lambda: services.member_update(actor=request.user, member=member, data=data, expected_version=version))
        return Response(MemberReadSerializer(member).data)
