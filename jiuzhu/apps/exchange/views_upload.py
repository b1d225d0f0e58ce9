"""Upload screens (issue 14 items 8 and 9): upload → preview → confirm or cancel; a department's
column mapping.  Thin: the work is in :mod:`.uploads` and :mod:`.mapping`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jiuzhu.apps.core.scoping import require
from jiuzhu.apps.core.vocabulary import label
from jiuzhu.apps.jobs.answers import refused
from jiuzhu.apps.jobs.services import JobRefused
from jiuzhu.rules.exchange.sources import DEPARTMENTS, SOURCES, suggest_field

from . import mapping as mappings
from . import uploads
from .forms import IGNORE, MappingFormSet, UploadForm
from .models import ImportBatch
from .services import UPLOAD
from .views import can_see_outbox


def _nav(user: Any) -> dict[str, Any]:
    return {"can_upload": user.has_capability(UPLOAD), "can_outbox": can_see_outbox(user),
            "can_map": user.has_capability(mappings.MAP_COLUMNS)}


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Upload one file for one source; the outcome is its preview (nothing imported yet)."""
    require(request.user, UPLOAD)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "exchange/upload.html", {"form": form, **_nav(request.user)}, status=400)
        f = form.cleaned_data["file"]
        pending = uploads.upload_receive(request.user, form.cleaned_data["source"], f.file, f.name,
                                         period_end=form.cleaned_data["period_end"])
        return redirect("exchange_upload_preview", uid=pending.uid)
    return render(request, "exchange/upload.html", {"form": form, **_nav(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def upload_preview(request: HttpRequest, uid: Any) -> HttpResponse:
    """The preview of a kept upload; POST ``action`` = confirm (import it), cancel, or recheck."""
    require(request.user, UPLOAD)
    pending = uploads.pending_get(request.user, uid)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "confirm":
            try:
                queued = uploads.upload_confirm_large(request.user, pending)
            except JobRefused as err:  # the same file is being imported right now: its job
                return refused(request, err)
            if isinstance(queued, ImportBatch):
                return redirect(reverse("exchange_batch_detail", args=[queued.pk]) + "?duplicate=1")
            if queued is not None:  # a large file: the worker imports it, the answer is the job's page
                return redirect("job_detail", queued.pk)
            result = uploads.upload_confirm(request.user, pending)
            url = reverse("exchange_batch_detail", args=[result.batch.pk])
            return redirect(url if result.created else f"{url}?duplicate=1")
        if action == "cancel":
            uploads.upload_cancel(request.user, pending)
            messages.info(request, _("The upload was cancelled; nothing was imported."))
            return redirect("exchange_upload")
        if action == "recheck":
            uploads.upload_refresh(request.user, pending)
            return redirect("exchange_upload_preview", uid=pending.uid)
        raise Http404
    preview = uploads.upload_preview(request.user, pending)
    source = SOURCES[pending.source]
    labels = {f.name: f.label_zh for f in source.fields}
    unknown = (preview.get("file_error") or {}).get("unknown_columns") or []
    columns = preview.get("columns", [])
    return render(request, "exchange/upload_preview.html", {
        "pending": pending, "p": preview, "source": source, "fields": source.fields, "labels": labels,
        "summary": _summary(preview),
        "multi_sheet": len({c.get("sheet") for c in columns}) > 1,
        "unknown": [{"column": u["column"], "suggestion": labels.get(u["suggestion"] or "", "")} for u in unknown],
        "sample": [{**row, "values": [(row["cells"] or {}).get(f.name, "") for f in source.fields]}
                   for row in preview.get("sample", [])],
        "columns": [{**c, "label": labels.get(c["field"] or "", ""), "how_label": _how(c["how"])}
                    for c in columns],
        "skipped": sorted(preview.get("skipped", []), key=lambda x: (x.get("sheet") or "", x.get("row") or 0)),
        "row_errors": [e for e in preview.get("errors", []) if e.get("row") is not None],
        "mapping_used": [(h, labels.get(f, "") if f else _("ignored")) for h, f in (preview.get("mapping") or {}).items()],
        "can_map_here": mappings.can_map(request.user, pending.department),
        "mapping_url": _mapping_url(pending.source, [u["column"] for u in unknown],
                                    reverse("exchange_upload_preview", args=[pending.uid])),
        **_nav(request.user),
    })


def _how(how: str) -> str:
    return {"name": _("field name"), "label": _("Chinese label"), "alias": _("alias"),
            "mapping": _("the department's column mapping"), "ignored": _("ignored (not imported)"),
            "unknown": _("not recognised")}.get(how, how)


def _summary(preview: dict[str, Any]) -> dict[str, Any]:
    encodings = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GB18030 (GBK)",
                 "utf-16": _("UTF-16 (Excel Unicode text)")}
    delimiters = {",": _("comma-separated"), "\t": _("tab-separated"), "，": _("full-width comma")}
    return {"format": label(preview.get("format"), "file_format") or "—",
            "encoding": encodings.get(preview.get("encoding") or "", preview.get("encoding") or ""),
            "delimiter": delimiters.get(preview.get("delimiter") or "", "")}


def _mapping_url(source: str, columns: list[str], back: str) -> str:
    query = urlencode([*(("column", c) for c in columns), ("next", back)])
    return f"{reverse('exchange_mapping_edit', args=[source])}?{query}"


@login_required
def mapping_list(request: HttpRequest) -> HttpResponse:
    """The feeds whose column names the user may map, with what is saved."""
    require(request.user, mappings.MAP_COLUMNS)
    rows = [{"source": s, "department": DEPARTMENTS.get(s.department, s.department),
             "mapping": mappings.mapping_for(s.key)} for s in mappings.mappable_sources(request.user)]
    return render(request, "exchange/mapping_list.html", {"rows": rows, **_nav(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def mapping_edit(request: HttpRequest, source: str) -> HttpResponse:
    """Edit a department's column names for one feed (the whole list is saved at once)."""
    require(request.user, mappings.MAP_COLUMNS)
    feed = SOURCES.get(source)
    if feed is None or not mappings.can_map(request.user, feed.department):
        raise Http404
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    saved = mappings.mapping_for(feed.key)
    if request.method == "POST":
        formset = MappingFormSet(request.POST, form_kwargs={"source": feed})
        if formset.is_valid():
            entries: dict[str, str | None] = {}
            for row in formset.cleaned_data:
                header = (row.get("header") or "").strip()
                if header:
                    target = row.get("target")
                    entries[header] = None if target == IGNORE else target
            try:
                mappings.mapping_set(request.user, feed.key, feed.department, entries, replace=True)
            except ValidationError as err:
                formset._non_form_errors = formset.error_class(err.messages)  # type: ignore[attr-defined]  # shown above the table
            else:
                messages.success(request, _("The column names were saved; later files of this department use them."))
                return redirect(back or reverse("exchange_mapping_edit", args=[feed.key]))
        status = 400
    else:
        initial = [{"header": h, "target": f or IGNORE} for h, f in saved.items()]
        known = {h for h in saved}
        # Columns sent from a preview come with the nearest field chosen (the officer checks it).
        initial += [{"header": c, "target": getattr(suggest_field(feed, c, exclude=frozenset(v for v in saved.values() if v)),
                                                    "name", "")}
                    for c in request.GET.getlist("column") if c not in known]
        initial += [{"header": "", "target": ""} for _ in range(3)]
        formset = MappingFormSet(initial=initial, form_kwargs={"source": feed})
        status = 200
    builtin = [{"field": f, "names": "、".join(sorted({f.label_zh, *f.aliases}))} for f in feed.fields]
    return render(request, "exchange/mapping_edit.html", {
        "source": feed, "department": DEPARTMENTS.get(feed.department, feed.department), "formset": formset,
        "builtin": builtin, "next": back, **_nav(request.user),
    }, status=status)
