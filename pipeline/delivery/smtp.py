"""Sending e-mail over SMTP with plain ``smtplib``: settings, one session, errors, scrubbing.

Nothing here needs Dagster (``SmtpSettings`` + ``SmtpSession`` / ``send_email``). The settings
come from the environment, as text, read by :func:`settings_from_text` for both the ``mailer``
resource (``assets/resources.py``, which binds each variable with ``dg.EnvVar``) and
``scorecards deliver`` (:func:`settings_from_env`):

    SCORECARDS_SMTP_HOST      relay host name
    SCORECARDS_SMTP_PORT      port (default 587)
    SCORECARDS_SMTP_STARTTLS  1/true/yes or 0/false/no (default yes)
    SCORECARDS_SMTP_USER      login (optional; with a password)
    SCORECARDS_SMTP_PASSWORD  password (never logged, never in an error or in metadata)
    SCORECARDS_SMTP_SENDER    From address
    SCORECARDS_SMTP_SEND      "1" or "true" to really send; anything else is a dry run

Security rules:

- STARTTLS is required unless the host is local (``127.0.0.1``, ``::1``, ``localhost``): a
  non-local host without STARTTLS is refused before connecting, and a server that does not offer
  STARTTLS is refused rather than continued in plain text. Certificates are verified.
- The password only ever goes to ``smtplib.SMTP.login``. Every error text that leaves this module
  has the password (and its base64 forms, as AUTH PLAIN/LOGIN send it) removed, and the original
  ``smtplib`` exception is not chained.
"""
from __future__ import annotations

import base64
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Mapping

from pipeline.delivery.stops import checkpoint

HOST_ENV = "SCORECARDS_SMTP_HOST"
PORT_ENV = "SCORECARDS_SMTP_PORT"
STARTTLS_ENV = "SCORECARDS_SMTP_STARTTLS"
USER_ENV = "SCORECARDS_SMTP_USER"
PASSWORD_ENV = "SCORECARDS_SMTP_PASSWORD"
SENDER_ENV = "SCORECARDS_SMTP_SENDER"
SEND_ENV = "SCORECARDS_SMTP_SEND"

DEFAULT_PORT = 587
LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class MailerError(RuntimeError):
    """Base of every error this module raises; the message never holds the password."""


class MailerConfigError(MailerError):
    """The settings are incomplete or unsafe (e.g. a non-local host without STARTTLS)."""


class SessionError(MailerError):
    """The connection, TLS or login failed: no message can go out on this session.

    ``transient`` is True for network trouble worth retrying (refused, timeout, disconnect),
    False for a refusal that retrying will not fix (login rejected, no STARTTLS offered).
    ``maybe_delivered`` is True when the connection broke after the end of the message was sent
    and before the server's reply: the server may have accepted it, so it must not be sent again
    without a person's decision.
    """

    def __init__(self, message: str, transient: bool, maybe_delivered: bool = False):
        super().__init__(message)
        self.transient = transient
        self.maybe_delivered = maybe_delivered


class _SMTP(smtplib.SMTP):
    """``smtplib.SMTP`` whose DATA calls ``before_end`` after the content, before the end-of-data mark.

    Once the mark (``CRLF . CRLF``) is sent the server may accept the message whatever happens to
    this process; ``before_end`` records that moment first (the journal's ``unconfirmed``), and
    ``end_sent`` tells a broken connection before the mark from one after it.
    """

    before_end = None
    end_sent = False

    def data(self, msg):
        self.putcmd("data")
        (code, repl) = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, repl)
        if isinstance(msg, str):
            msg = smtplib._fix_eols(msg).encode("ascii")
        q = smtplib._quote_periods(msg)
        if q[-2:] != smtplib.bCRLF:
            q = q + smtplib.bCRLF
        self.send(q)
        if self.before_end is not None:
            self.before_end()
        self.end_sent = True
        self.send(b"." + smtplib.bCRLF)
        return self.getreply()


class MessageRefused(MailerError):
    """The server refused this one message (sender, recipient or content); others may go through.

    ``permanent`` is True for 5xx replies (retrying in this run will not help), False for 4xx.
    """

    def __init__(self, message: str, code: int | None, permanent: bool):
        super().__init__(message)
        self.code = code
        self.permanent = permanent


def is_local_host(host: str | None) -> bool:
    return (host or "").strip().lower().strip("[]") in LOCAL_HOSTS


def parse_bool(value: str, name: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise MailerConfigError(f"{name} must be one of 1/true/yes or 0/false/no, not {value!r}")


def send_requested(value: str | None) -> bool:
    """True only when ``SCORECARDS_SMTP_SEND`` is "1" or "true": everything else is a dry run."""
    return (value or "").strip().lower() in {"1", "true"}


@dataclass(frozen=True)
class SmtpSettings:
    """Resolved SMTP settings. ``repr`` never shows the password."""

    host: str | None = None
    port: int = DEFAULT_PORT
    starttls: bool = True
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str | None = None
    timeout: float = 30.0

    @property
    def local(self) -> bool:
        return is_local_host(self.host)

    def check(self) -> None:
        """Refuse incomplete or unsafe settings before anything is sent."""
        if not self.host:
            raise MailerConfigError(f"no SMTP host: set {HOST_ENV} (or the mailer resource's host)")
        if not 0 < int(self.port) < 65536:
            raise MailerConfigError(f"SMTP port {self.port} is out of range")
        if not self.sender or "@" not in self.sender or any(c in self.sender for c in "\r\n,;<> "):
            raise MailerConfigError(f"no valid sender address: set {SENDER_ENV} (e.g. scorecards@district.org)")
        if bool(self.user) != bool(self.password):
            raise MailerConfigError(f"set both {USER_ENV} and {PASSWORD_ENV}, or neither")
        if not self.starttls and not self.local:
            what = "mail and the login credentials" if self.user else "mail"
            raise MailerConfigError(
                f"refusing to send to {self.host}:{self.port} without STARTTLS: {what} would cross the "
                f"network in plain text. Set {STARTTLS_ENV}=1, or use a relay on 127.0.0.1/localhost."
            )

    def scrub(self, text: str) -> str:
        return scrub(text, self.user, self.password)


def scrub(text: str, user: str | None, password: str | None) -> str:
    """``text`` without the password in clear or in the base64 forms AUTH PLAIN and LOGIN use."""
    text = str(text)
    if not password:
        return text
    forms = {password, base64.b64encode(password.encode("utf-8", "replace")).decode()}
    plain = f"\0{user or ''}\0{password}".encode("utf-8", "replace")
    forms.add(base64.b64encode(plain).decode())
    for form in sorted(forms, key=len, reverse=True):
        if form:
            text = text.replace(form, "***")
    return text


def _reply_text(resp) -> str:
    if isinstance(resp, bytes):
        return resp.decode("utf-8", "replace")
    return str(resp)


class SmtpSession:
    """One SMTP connection, opened on the first message and reopened after a disconnect.

    ``send`` delivers one message to exactly one envelope recipient (never taken from headers).
    Raises ``SessionError`` (connection, TLS, login) or ``MessageRefused`` (this message).
    """

    def __init__(self, settings: SmtpSettings):
        settings.check()
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "SmtpSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except Exception:
                try:
                    smtp.close()
                except Exception:
                    pass

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = None
        try:
            checkpoint("before_connect")
            smtp = _SMTP(s.host, int(s.port), timeout=s.timeout)
            smtp.ehlo()
            if s.starttls:
                if not smtp.has_extn("starttls"):
                    raise SessionError(
                        f"SMTP server {self._where()} does not offer STARTTLS; refusing to continue in plain text",
                        transient=False,
                    )
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            elif not s.local:  # check() already refused this; never log in over plain text to a remote host
                raise SessionError(f"refusing plain-text SMTP to non-local host {self._where()}", transient=False)
            if s.user:
                smtp.login(s.user, s.password)
        except SessionError:
            self._discard(smtp)
            raise
        except smtplib.SMTPAuthenticationError as e:
            self._discard(smtp)
            raise SessionError(
                f"SMTP login as {s.user!r} on {self._where()} was refused: "
                f"{e.smtp_code} {s.scrub(_reply_text(e.smtp_error))}",
                transient=False,
            ) from None
        except smtplib.SMTPNotSupportedError as e:
            self._discard(smtp)
            raise SessionError(f"SMTP server {self._where()}: {s.scrub(str(e))}", transient=False) from None
        except ssl.SSLError as e:
            self._discard(smtp)
            raise SessionError(f"TLS with {self._where()} failed: {s.scrub(str(e))}", transient=False) from None
        except (OSError, smtplib.SMTPException) as e:
            self._discard(smtp)
            raise SessionError(
                f"cannot open an SMTP session with {self._where()}: {type(e).__name__}: {s.scrub(str(e))}",
                transient=True,
            ) from None
        except Exception as e:  # e.g. a password that cannot be encoded: never echo the exception's data
            self._discard(smtp)
            raise SessionError(
                f"cannot open an SMTP session with {self._where()}: {type(e).__name__}", transient=False
            ) from None
        return smtp

    @staticmethod
    def _discard(smtp: smtplib.SMTP | None) -> None:
        if smtp is not None:
            try:
                smtp.close()
            except Exception:
                pass

    def send(self, msg: EmailMessage, recipient: str, before_end=None) -> None:
        """Send ``msg`` to ``recipient`` only; ``before_end()`` runs just before the end-of-data mark."""
        s = self.settings
        if self._smtp is None:
            self._smtp = self._connect()
        self._smtp.before_end, self._smtp.end_sent = before_end, False
        try:
            refused = self._smtp.send_message(msg, from_addr=s.sender, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as e:
            code, resp = next(iter(e.recipients.values()), (None, b""))
            self._reset()
            raise MessageRefused(
                f"recipient refused: {code} {s.scrub(_reply_text(resp))}", code, permanent=(code or 0) >= 500
            ) from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as e:
            what = "sender refused" if isinstance(e, smtplib.SMTPSenderRefused) else "message refused"
            self._reset()
            raise MessageRefused(
                f"{what}: {e.smtp_code} {s.scrub(_reply_text(e.smtp_error))}", e.smtp_code,
                permanent=(e.smtp_code or 0) >= 500,
            ) from None
        except (OSError, smtplib.SMTPException) as e:
            # Disconnected or timed out mid-message: before the end-of-data mark the server drops
            # the message; after it, the server may have accepted it.
            maybe = self._smtp.end_sent
            self._discard(self._smtp)
            self._smtp = None
            raise SessionError(
                f"SMTP session with {self._where()} broke while sending: {type(e).__name__}: {s.scrub(str(e))}"
                + (" (after the end of the message: the server may have it)" if maybe else ""),
                transient=True, maybe_delivered=maybe,
            ) from None
        if refused:  # only possible with several recipients; kept as a guard
            code, resp = next(iter(refused.values()))
            raise MessageRefused(f"recipient refused: {code} {s.scrub(_reply_text(resp))}", code, code >= 500)

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except Exception:
            self._discard(self._smtp)
            self._smtp = None


def send_email(settings: SmtpSettings, msg: EmailMessage, recipient: str) -> None:
    """Send one message to one recipient on its own connection (no Dagster needed)."""
    with SmtpSession(settings) as session:
        session.send(msg, recipient)


# Each setting's environment variable, by the name of the ``settings_from_text`` argument.
ENV_NAMES = {"host": HOST_ENV, "port": PORT_ENV, "starttls": STARTTLS_ENV, "user": USER_ENV,
             "password": PASSWORD_ENV, "sender": SENDER_ENV}


def settings_from_text(host: str | None = None, port: str | None = None, starttls: str | None = None,
                       user: str | None = None, password: str | None = None, sender: str | None = None,
                       timeout: float = 30.0) -> SmtpSettings:
    """``SmtpSettings`` from the settings as the environment writes them; unset or empty is the default."""
    port_number = None
    if port:
        try:
            port_number = int(port)
        except ValueError:
            raise MailerConfigError(f"{PORT_ENV} must be a port number, not {port!r}") from None
    return SmtpSettings(
        host=host or None,
        port=port_number or DEFAULT_PORT,
        starttls=parse_bool(starttls, STARTTLS_ENV) if starttls else True,
        user=user or None,
        password=password or None,
        sender=sender or None,
        timeout=timeout,
    )


def settings_from_env(env: Mapping[str, str], timeout: float = 30.0) -> SmtpSettings:
    """``SmtpSettings`` from ``SCORECARDS_SMTP_*`` in ``env`` (``scorecards deliver`` passes ``os.environ``)."""
    return settings_from_text(**{arg: env.get(name) for arg, name in ENV_NAMES.items()}, timeout=timeout)
