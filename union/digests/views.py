"""Digest pages: the rep's settings, preview and test; the one-click unsubscribe link;
the admins' delivery history and scheduler health.

Thin: load, authorize, validate, call a service, commit, redirect.
"""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from union.auth.models import User
from union.core.outbox import deliver_pending
from union.core.pagination import page_arg, paginate
from union.core.permissions import admin_required, rep_required
from union.core.scheduler import job_health, registered_jobs
from union.core.security import per_user_or_address
from union.core.time import utcnow
from union.digests import admin, bp, services
from union.digests import preview as previews
from union.digests.forms import DigestPreferenceForm, ResendForm, SendTestForm, UnsubscribeForm
from union.digests.models import DigestDelivery
from union.extensions import csrf, db, limiter


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


# -- the rep's settings, preview and test -----------------------------------------------


@bp.route("/digest", methods=["GET", "POST"])
@rep_required
def preferences() -> str | Response:
    user = _me()
    preference = services.preference_or_default(user)
    form = DigestPreferenceForm(obj=preference)
    if form.validate_on_submit():
        try:
            changed = services.save_preference(
                user,
                frequency=form.frequency.data,
                hour=form.hour.data,
                weekday=form.weekday.data,
                timezone=form.timezone.data,
                send_when_empty=form.send_when_empty.data,
                actor=user,
            )
        except services.DigestProblems as error:
            for name, message in error.problems.items():
                form[name].errors.append(message)  # type: ignore[attr-defined]
        else:
            db.session.commit()
            saved = services.preference_or_default(user)
            if not changed:
                flash("Nothing changed in your digest settings.", "info")
            elif saved.is_on:
                flash(f"Your digest is saved: {saved.schedule_text}.", "success")
            else:
                flash("Your digest is off.", "success")
            return redirect(url_for("digests.preferences"))
    return render_template(
        "digests/preferences.html",
        form=form,
        preference=preference,
        upcoming=services.upcoming_period(preference),
        when=services.when,
    )


@bp.get("/digest/preview")
@rep_required
def preview() -> str:
    return render_template(
        "digests/preview.html", preview=previews.preview_digest(_me()), when=services.when
    )


@bp.get("/digest/preview.eml")
@rep_required
def preview_message() -> Response:
    """The preview as a whole email file, to open in a mail app and see it as sent."""
    message = previews.preview_message(_me())
    response = Response(message, mimetype="message/rfc822")
    response.headers["Content-Disposition"] = 'attachment; filename="digest-preview.eml"'
    return response


@bp.post("/digest/test")
@rep_required
@limiter.limit("10 per hour", scope="digest-test", key_func=per_user_or_address)
def send_test() -> Response:
    form = SendTestForm()
    if form.validate_on_submit():
        message = previews.send_test_digest(_me())
        db.session.commit()
        flash(
            f"A test digest is on its way to {message.recipient}. It is a test: your "
            "schedule is not affected.",
            "success",
        )
    return redirect(url_for("digests.preferences"))


# -- one-click unsubscribe ----------------------------------------------------------------


@bp.route("/digest/unsubscribe/<digest_token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(digest_token: str) -> str:
    """GET asks to confirm (link checkers must not unsubscribe anyone); POST — from the
    page's button or a mail client's one-click (RFC 8058), which carries no CSRF token —
    turns the digest off. The secret in the address is the authentication."""
    preference = services.preference_by_token(digest_token)
    if preference is None:
        abort(404)
    turned_off = False
    if request.method == "POST":
        turned_off = services.unsubscribe(preference)
        db.session.commit()
    return render_template(
        "digests/unsubscribe.html",
        preference=preference,
        posted=request.method == "POST",
        turned_off=turned_off,
        form=UnsubscribeForm(formdata=None),
    )


# -- admin: deliveries and scheduler health ---------------------------------------------


@bp.get("/admin/digests")
@admin_required
def deliveries() -> str:
    view = request.args.get("status", "all")
    if view not in admin.DELIVERY_VIEWS:
        view = "all"
    page = paginate(admin.deliveries_query(view), page_arg(), scalars=False)
    health = {row.name: row for row in job_health()}
    jobs = [(job, health.get(job.name)) for job in registered_jobs()]
    return render_template(
        "digests/admin_deliveries.html",
        page=page,
        view=view,
        views=admin.DELIVERY_VIEWS,
        filters={"status": view} if view != "all" else {},
        shown_status=admin.shown_status,
        jobs=jobs,
        now=utcnow(),
        resend_form=ResendForm(formdata=None),
    )


@bp.post("/admin/digests/<int:delivery_id>/resend")
@admin_required
def resend(delivery_id: int) -> Response:
    delivery = db.get_or_404(DigestDelivery, delivery_id)
    form = ResendForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        message_id = admin.resend_delivery(delivery, actor=_me())
    except services.DigestProblems as error:
        flash(" ".join(error.problems.values()), "error")
    else:
        db.session.commit()
        if current_app.config["OUTBOX_SEND_AFTER_COMMIT"]:
            deliver_pending(ids=[message_id])  # the sweep retries it if this fails again
        flash(f"The digest {delivery.period_key} is queued again.", "success")
    return redirect(url_for("digests.deliveries", status="problems"))
