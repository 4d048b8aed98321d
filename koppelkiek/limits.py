"""Rate limits keyed on who is asking: a joined phone by its player, anyone else by address.

Why the numbers are what they are. At the kick-off the residents scan the poster together,
on the community centre's WiFi, so hundreds of phones share one public address. A limit per
address therefore has to be a limit for a whole hall, never for one person:

- Joining: the biggest afternoon we plan for has 1,000 phones, and a hall full of them can
  join within a minute. 1,000 a minute and 3,000 an hour per address is never reached in
  play (every phone joins a round once; a new phone recovers rather than joins). A script
  creating players is still held to that, and organisers can remove what it made.
- Meeting claims: a person meets a few people a minute, so a joined phone may claim 10 a
  minute. Per address only *refused* claims count (unknown, used or expired codes, ...):
  honest players in one hall rarely get 60 of those a minute, however many meetings they
  make (150 a minute from one address is fine), while a guesser gets almost only refusals.
  Pairing codes are 6 characters from 31 (887 M codes) and live 60 s; at 60 guesses a
  minute against 100 live codes, one hit takes on average about 100 days.
- `/m/<code>`: every scan opens it once, twice for a phone that still has to join first,
  so 150 meetings a minute are 300 opens; 600 a minute per address leaves room. Its answer
  tells an outsider nothing, and a joined phone (which learns more) is held to 30 a minute.
- Recovery codes are 12 characters from 31 (7.9e17): guessing is hopeless at 20 a minute,
  and a hall never recovers 20 phones a minute.
- The "my afternoon" card is drawn on the server (about 25 ms of CPU in the process that
  serves sockets too): a resident saves or shares it a few times, so 10 a minute per joined
  phone is plenty and a script cannot keep a process busy with it.
- Story spot proposals: a resident tells a few stories in an afternoon, not dozens; 5 a
  minute and 20 an hour per joined phone leave room for retyping after a refusal, and
  keep one phone from filling the organiser's queue.
- Organiser login: 5 failed attempts a minute per e-mail and address, so a typo spree
  locks out one organiser at one place, not every organiser; 30 failures a minute per
  address stop one address from trying many e-mails.
"""

from __future__ import annotations

from flask import request
from flask.wrappers import Response

from koppelkiek.identity import current_player

JOIN = "1000 per minute;3000 per hour"
CLAIMS_PER_PLAYER = "10 per minute"
REFUSED_CLAIMS_PER_ADDRESS = "60 per minute"
PAIRING_CODES_PER_PLAYER = "12 per minute"
SCANS_PER_ADDRESS = "600 per minute"
SCANS_PER_PLAYER = "30 per minute"
RECOVERY = "20 per minute"
AFTERNOON_CARDS_PER_PLAYER = "10 per minute"
PROPOSALS_PER_PLAYER = "5 per minute;20 per hour"
FAILED_LOGINS_PER_EMAIL = "5 per minute"
FAILED_LOGINS_PER_ADDRESS = "30 per minute"


def by_address() -> str:
    """The client's address; behind proxies ProxyFix has put the real one here."""
    return f"ip:{request.remote_addr}"


def by_player() -> str:
    """A joined phone counts for itself; anyone else counts per address."""
    player = current_player()
    return f"player:{player.id}" if player else by_address()


def by_login() -> str:
    email = (request.form.get("email") or "").strip().lower()
    return f"login:{email}:{request.remote_addr}"


def anonymous() -> bool:
    return current_player() is None


def refused(response: Response) -> bool:
    return response.status_code >= 400


def login_failed(response: Response) -> bool:
    return response.status_code != 302
