"""The release note form's rules: its values as a draft to resume, per-product templates, the preview's release
(one per draft, updated while it is a draft), expiry, and the author's test send."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.local_time import wall_time
from bot.domain.notes import Note
from bot.domain.release_form import ReleaseForm
from bot.domain.replies import Reply, verbatim
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.domain.validation import InvalidSubmission, clean_text
from bot.services import releases
from storage import release_forms as form_store
from storage import releases as release_store
from storage.models import Release, ReleaseFormDraft, utcnow

DRAFT_DAYS = 30
DRAFT_LIFETIME = timedelta(days=DRAFT_DAYS)
MAX_PRODUCT = 100
GONE = Reply.invalid(f"That draft is gone: it was scheduled, or not saved for {DRAFT_DAYS} days.")


def next_full_hour(now: datetime, zone: ZoneInfo) -> datetime:
    """The first full hour after `now` on the author's clock: what the form's time starts at."""
    local = now.astimezone(zone)
    return (local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)).astimezone(UTC)


def send_time(form: ReleaseForm, author_zone: ZoneInfo) -> str:
    """The form's time as the send times services read (parse_send_at). A time "in each person's own zone" is the
    wall-clock time the author picked on their own clock (which parse_send_at reads in FEEDBOT_TIMEZONE, where
    channels get it); any other is the instant picked."""
    if form.send_now:
        return "now"
    if form.send_at is None:
        raise InvalidSubmission({"send_at": "Pick a date and time, or tick Send now."})
    try:
        moment = datetime.fromtimestamp(form.send_at, UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidSubmission({"send_at": "That is not a date feedbot can schedule."}) from None
    return wall_time(moment, author_zone) if form.per_recipient_time else moment.isoformat()


def release_draft(form: ReleaseForm, author_zone: ZoneInfo) -> releases.ReleaseDraft:
    errors: dict[str, str] = {}
    try:
        send_at = send_time(form, author_zone)
    except InvalidSubmission as invalid:
        errors |= invalid.errors
        send_at = "now"
    try:
        linked = releases.parse_linked(form.linked)
    except ValueError as problem:
        errors["linked"] = str(problem)
        linked = []
    if errors:
        raise InvalidSubmission(errors)
    return releases.ReleaseDraft(
        title=form.title,
        summary=form.summary,
        version=form.version,
        deer_text=form.deer_text,
        details=form.details,
        exec_summary=form.exec_summary,
        affected=form.affected,
        linked=linked,
        send_at=send_at,
        per_recipient_time=form.per_recipient_time,
    )


async def expire_drafts(session: AsyncSession, now: datetime | None = None) -> int:
    """Drafts not saved for DRAFT_DAYS are deleted, with the draft releases their previews made."""
    return await form_store.delete_expired(session, (now or utcnow()) - DRAFT_LIFETIME)


async def save(
    session: AsyncSession,
    requester: Requester,
    settings: Settings,
    form: ReleaseForm,
    draft_id: int | None,
    view_key: str | None,
) -> ReleaseFormDraft | None:
    """The form as the author's draft, valid or not: what they typed is never lost to a field error. None when
    `draft_id` is no longer a draft of theirs."""
    releases.require_author(requester, settings, "draft releases")
    await expire_drafts(session)
    return await form_store.save_draft(
        session,
        platform=requester.platform,
        team_id=requester.team_id,
        author=requester.user_id,
        fields=form.to_json(),
        draft_id=draft_id,
        view_key=view_key,
    )


async def preview_release(
    session: AsyncSession, requester: Requester, settings: Settings, draft: ReleaseFormDraft, author_zone: ZoneInfo
) -> Release:
    """The release the preview shows: the draft's own while it is still a draft (a second preview of the same
    form changes it, it never makes another), else a new one."""
    wanted = await _checked(session, requester, settings, ReleaseForm.from_json(draft.fields), author_zone)
    release = await release_store.get(session, draft.release_id, requester.team_id) if draft.release_id else None
    if release is not None and release.status == "draft":
        values = await releases.validate(session, requester, wanted, settings.zone)
        for name, value in values.items():
            setattr(release, name, value)
        await session.flush()
        return release
    release = await releases.draft(session, requester, wanted, settings)
    draft.release_id = release.id
    await session.flush()
    return release


async def _checked(
    session: AsyncSession, requester: Requester, settings: Settings, form: ReleaseForm, author_zone: ZoneInfo
) -> releases.ReleaseDraft:
    """The form as a release draft; when its time or linked ids are wrong, every other field's error comes with
    them, so the author fixes the form in one go."""
    try:
        return release_draft(form, author_zone)
    except InvalidSubmission as invalid:
        rest = release_draft(replace(form, send_now=True, linked=""), author_zone)
        try:
            await releases.validate(session, requester, rest, settings.zone)
        except InvalidSubmission as more:
            raise InvalidSubmission(more.errors | invalid.errors) from None
        raise


async def draft_of(
    session: AsyncSession, requester: Requester, settings: Settings, draft_id: int
) -> ReleaseFormDraft | None:
    releases.require_author(requester, settings, "draft releases")
    await expire_drafts(session)
    return await form_store.get_draft(session, requester.platform, requester.team_id, requester.user_id, draft_id)


async def drafts(session: AsyncSession, requester: Requester, settings: Settings) -> list[ReleaseFormDraft]:
    releases.require_author(requester, settings, "see release drafts")
    await expire_drafts(session)
    return await form_store.drafts_of(session, requester.platform, requester.team_id, requester.user_id)


def product_name(text: str) -> str:
    product = " ".join(clean_text(text).split())
    if not product:
        raise InvalidSubmission({"product": "Name the product, like /release templates save Expenses."})
    if len(product) > MAX_PRODUCT:
        raise InvalidSubmission({"product": f"A product name has at most {MAX_PRODUCT} characters."})
    return product


async def save_template(session: AsyncSession, requester: Requester, settings: Settings, product: str) -> Reply:
    """The author's latest draft's texts become the product's template (replacing the one it had)."""
    releases.require_author(requester, settings, "save release templates")
    name = product_name(product)
    await expire_drafts(session)
    latest = await form_store.drafts_of(session, requester.platform, requester.team_id, requester.user_id)
    if not latest:
        return Reply.invalid("You have no draft to save as a template: write one with /release new and preview it.")
    form = ReleaseForm.from_json(latest[0].fields)
    created = await form_store.save_template(
        session,
        platform=requester.platform,
        team_id=requester.team_id,
        product=name,
        fields=form.as_template().to_json(),
        saved_by=requester.user_id,
    )
    verb = "saved" if created else "replaced"
    title = form.title or "untitled"
    return Reply.ok(
        f"Template for *{verbatim(name)}* {verb} from your draft “{verbatim(title)}”. "
        f"Start from it with /release templates use {verbatim(name)}."
    )


async def template_form(
    session: AsyncSession, requester: Requester, settings: Settings, product: str
) -> ReleaseForm | Reply:
    releases.require_author(requester, settings, "use release templates")
    name = product_name(product)
    template = await form_store.template(session, requester.platform, requester.team_id, name)
    if template is None:
        return Reply.invalid(f"There is no template for {verbatim(name)}. Type /release templates to see them.")
    return ReleaseForm.from_json(template.fields)


async def template_listing(session: AsyncSession, requester: Requester, settings: Settings) -> Reply:
    releases.require_author(requester, settings, "see release templates")
    saved = await form_store.templates(session, requester.platform, requester.team_id)
    if not saved:
        return Reply.info(
            "No templates yet. Preview a release note, then /release templates save PRODUCT keeps its texts."
        )
    lines = [f"• {verbatim(template.product)}: “{verbatim(_title(template.fields))}”" for template in saved]
    return Reply.info("Release templates (/release templates use PRODUCT opens one):", *lines)


def _title(fields_json: str) -> str:
    return ReleaseForm.from_json(fields_json).title or "untitled"


def test_note(note: Note, tier: str) -> Note:
    """A tier's note as its author's test shows it: the same rendering, marked TEST where it is seen first."""
    return replace(note, title=f"TEST ({tier}) · {note.title}", fallback=f"TEST ({tier}): {note.fallback}")
