"""Account pages. Thin: validate, call a service, commit, redirect."""

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from union.auth import bp, services
from union.auth.forms import (
    AccountForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from union.auth.models import User, Verification, is_government_address
from union.core.security import configured_limit
from union.deadlines.ical import calendar_feed_context
from union.extensions import db, limiter, login_manager


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    if user.verification == Verification.REJECTED:
        return None
    return user


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path on this site.

    Browsers read ``//host``, ``////host`` and ``/\\host`` as another site, and drop tabs
    and newlines before reading (``/\\t/host``); werkzeug turns ``////host`` into
    ``//host`` on the way out. So only a plain path is followed: one slash, no backslash,
    no spaces or control characters (a link this app makes has none)."""
    plain = (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and all(ch.isprintable() and not ch.isspace() for ch in target)
    )
    if not target or not plain or urlsplit(target).scheme or urlsplit(target).netloc:
        return url_for("home.index")
    return target


def _client_address() -> str:
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(configured_limit("RATELIMIT_LOGIN"), methods=["POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        lockout = services.login_lockout(form.email.data, _client_address())
        if lockout is not None:
            where = "for this account" if lockout.reason == "account" else "from your network"
            form.email.errors.append(
                f"Too many failed attempts {where}. For your safety, logging in is paused "
                f"for {lockout.minutes} minutes. You can reset your password meanwhile."
            )
            return render_template("auth/login.html", form=form), 429
        try:
            user = services.authenticate(form.email.data, form.password.data, _client_address())
        except services.MembershipRejected as error:
            db.session.commit()
            form.email.errors.append(str(error))
            return render_template("auth/login.html", form=form), 403
        db.session.commit()
        if user is None:
            form.password.errors.append("That email and password do not match an active account.")
            return render_template("auth/login.html", form=form), 200
        session.clear()  # a fresh session at login: nothing from before carries over
        login_user(user, remember=form.remember.data)
        flash(f"Welcome, {user.name}.", "success")
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(configured_limit("RATELIMIT_REGISTER"), methods=["POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = RegisterForm(invite_code=request.args.get("code", ""))
    if form.validate_on_submit():
        try:
            user = services.register_member(
                invite_code=form.invite_code.data,
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                member_number=form.member_number.data,
            )
        except services.AccountError as error:
            target = form.invite_code if "invite" in str(error) else form.email
            target.errors.append(str(error))
        else:
            db.session.commit()
            session.clear()
            login_user(user)
            if user.is_verified:
                flash(f"Welcome to {user.chapter.label}. Your account is ready.", "success")
            else:
                flash(
                    f"Welcome to {user.chapter.label}. Your account is ready; a steward will "
                    "confirm your membership soon.",
                    "success",
                )
            return redirect(url_for("home.index"))
    return render_template("auth/register.html", form=form, **_gov_warning(form))


def _gov_warning(form: RegisterForm | AccountForm) -> dict[str, bool]:
    return {"show_gov_confirm": bool(form.email.data and is_government_address(form.email.data))}


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(configured_limit("RATELIMIT_PASSWORD_RESET"), methods=["POST"])
def forgot_password() -> str | Response:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            "If an account uses that address, a reset link is on its way. "
            "It works once and expires in an hour.",
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(configured_limit("RATELIMIT_LOGIN"))  # a token in the address is a password
def reset_password(token: str) -> str | Response:
    user = services.user_for_reset_token(token)
    if user is None:
        flash("That reset link has expired or was already used. Ask for a new one.", "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        db.session.commit()
        logout_user()
        session.clear()
        flash("Your password is changed. Log in with the new one.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> str | Response:
    form = AccountForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw")
    if form.submit.data and form.validate_on_submit():
        try:
            services.update_profile(current_user, name=form.name.data, email=form.email.data)
        except services.AccountError as error:
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            flash("Your details are saved.", "success")
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html",
        form=form,
        password_form=password_form,
        **_gov_warning(form),
        **calendar_feed_context(current_user),
    )


@bp.post("/account/password")
@login_required
def change_password() -> str | Response | tuple[str, int]:
    form = AccountForm(obj=current_user, formdata=None)
    password_form = ChangePasswordForm(prefix="pw")
    status = 200
    if password_form.validate_on_submit():
        # A wrong current password counts as a failed login: a borrowed session gets no
        # more guesses here than the login page gives.
        lockout = services.login_lockout(current_user.email, _client_address())
        if lockout is not None:
            password_form.current_password.errors.append(
                f"Too many wrong passwords. For your safety, changing it is paused for "
                f"{lockout.minutes} minutes. You can reset your password by email meanwhile."
            )
            status = 429
        else:
            try:
                services.change_password(
                    current_user,
                    password_form.current_password.data,
                    password_form.password.data,
                    _client_address(),
                )
            except services.AccountError as error:
                db.session.commit()  # the failed try is kept: it counts
                password_form.current_password.errors.append(str(error))
            else:
                db.session.commit()
                # The new session token logged out every other device; keep this one.
                session.clear()
                login_user(current_user._get_current_object())
                flash("Your password is changed. Other devices have been logged out.", "success")
                return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html",
        form=form,
        password_form=password_form,
        show_gov_confirm=False,
        **calendar_feed_context(current_user),
    ), status
