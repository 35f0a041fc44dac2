"""``jpflows doctor --live``: each publisher's real file, downloaded and parsed, as proof.

For every source, its own download code runs on its probe key with a getter that asks the
network directly (no cache), through the same transport as the engine: the source's headers, its
API key, ``JPFLOWS_MIRROR`` and the politeness limits. Each request's HTTP status and size are
kept, with whether the source's own layout check accepted the bytes; then the source's parser
runs and the first and last dates it found are reported, with one line of what to do. Files a
publisher publishes once and never changes (old JPX weeks) are not asked: the newest shows the
layout. ``--json FILE`` writes the same for a bug report (no key is ever in it).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from addin import doctor
from addin.config import Config
from addin.downloading import download_options, transport
from addin.errors import AddinError, KeyMissing, LayoutChanged, SourceUnavailable
from addin.sources import REGISTRY
from addin.transport import DownloadFailed

PUBLISHED = -1  # the expiry a source gives a file that never changes (see addin.http)


@dataclass
class Asked:
    """One request: where, what came back, and whether the layout check accepted it."""

    url: str
    status: int | None = None
    bytes: int = 0
    accepted: bool | None = None
    problem: str = ""


@dataclass
class Proof:
    """One source's live check."""

    source: str
    key: str
    verdict: str  # OK, FAIL or SKIP
    headline: bool
    status: int | None = None
    bytes: int = 0
    layout: str = ""  # "accepted", or why not
    first: str | None = None
    last: str | None = None
    advice: str = ""
    requests: list[Asked] = field(default_factory=list)


def prove(source, config: Config, sent, today) -> Proof:
    """Download and parse ``source``'s probe key live; never raises for the publisher's faults."""
    key = source.probe_key(today)
    proof = Proof(source.name, key or "", "SKIP", False)
    skipped = doctor.not_configured(source, config) if key is not None else None
    if key is None or (skipped and skipped.detail.startswith("not configured")):
        proof.advice = skipped.advice if skipped else "not probed"
        proof.layout = skipped.detail if skipped else ""
        return proof
    proof.headline = bool(source.headline) and skipped is None
    try:
        raw = source.download(key, _getter(source, sent, proof.requests),
                              **download_options(source, config))
        frame = source.parse(raw)
    except AddinError as exc:
        return _failed(proof, exc, config)
    proof.verdict, proof.layout = "OK", "accepted"
    if len(frame.index):
        proof.first, proof.last = (f"{frame.index[0]:%Y-%m-%d}", f"{frame.index[-1]:%Y-%m-%d}")
    return _totals(proof)


def _getter(source, sent, asked: list[Asked]):
    def get(url, *, check=None, headers=None, expire=None) -> bytes:
        if expire == PUBLISHED:
            raise SourceUnavailable("published for good: the live check reads the newest only")
        record = Asked(url)
        asked.append(record)
        try:
            answer = sent.fetch(url, {**source.headers, **(headers or {})})
        except DownloadFailed as exc:
            record.problem = exc.problem
            raise SourceUnavailable(f"{source.name}: {exc.problem}", source.name, exc.problem)
        record.status, record.bytes = answer.status, len(answer.body)
        if answer.status != 200:
            record.problem = _refusal(answer, check) or f"HTTP {answer.status}"
            raise SourceUnavailable(record.problem, source.name, f"HTTP {answer.status}")
        _check(record, answer.body, check)
        return answer.body

    return get


def _check(record: Asked, body: bytes, check) -> None:
    try:
        if check is not None:
            check(body)
    except AddinError as exc:
        record.accepted, record.problem = False, str(exc)
        raise
    except Exception as exc:  # a parser bug on unseen bytes is a finding, not a crash
        record.accepted, record.problem = False, f"check crashed ({type(exc).__name__})"
        raise LayoutChanged(record.problem) from None
    record.accepted = True


def _refusal(answer, check) -> str:
    """A 4xx the source can read (a JSON refusal) says more than the status."""
    if check is None or not 400 <= answer.status < 500 or not answer.body:
        return ""
    try:
        check(answer.body)
    except LayoutChanged:
        return ""
    except AddinError as exc:
        return f"HTTP {answer.status}: {exc}"
    except Exception:
        return ""
    return ""


def _failed(proof: Proof, exc: Exception, config: Config) -> Proof:
    proof.verdict = "FAIL"
    refused = next((asked for asked in proof.requests if asked.accepted is False), None)
    if refused is not None:
        proof.layout = f"rejected: {refused.problem}"
    elif isinstance(exc, LayoutChanged):  # every file passed its check, the whole did not parse
        proof.layout = f"rejected: {exc}"
    last = proof.requests[-1] if proof.requests else None
    proof.advice = _advice(exc, last, config, refused is not None)
    return _totals(proof)


def _totals(proof: Proof) -> Proof:
    proof.bytes = sum(asked.bytes for asked in proof.requests)
    statuses = [asked.status for asked in proof.requests if asked.status is not None]
    proof.status = statuses[-1] if statuses else None
    return proof


def _advice(exc: Exception, last: Asked | None, config: Config, refused: bool) -> str:
    """One line of what to do about a failed live check."""
    if isinstance(exc, KeyMissing):
        return str(exc)
    if isinstance(exc, LayoutChanged) or refused:
        return ("the file's layout changed: run with --json FILE and report it; "
                "the last good copy keeps serving")
    problem = (last.problem if last is not None else "") or str(exc)
    if problem.startswith("HTTP 401") or problem.startswith("HTTP 403"):
        return f"the publisher refused the request ({problem[:60]}); check the key or plan"
    mirrored = bool(config.mirror)
    return doctor.network_advice(problem, mirrored, cached=False).split(";")[0]


def live(config: Config, today=None) -> list[Proof]:
    """The live check of every source that has a probe, in registry order."""
    today = today or datetime.now().date()
    sent = transport(config)
    return [prove(source, config, sent, today) for source in REGISTRY.sources()
            if source.id != "csv"]


def write_json(proofs: list[Proof], path: Path, config: Config) -> None:
    """The live check as JSON for a bug report: statuses, sizes, dates; no key, no path."""
    doc = {"jpflows_live_check": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "through_mirror": bool(config.mirror), "sources": [asdict(p) for p in proofs]}
    Path(path).write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")


def run(console, environ=None, json_path: str | None = None) -> int:
    """Print the live check; 0 when every headline source downloads and parses."""
    config = Config.from_env(environ)
    proofs = live(config)
    for proof in proofs:
        dates = f", {proof.first} .. {proof.last}" if proof.first else ""
        status = f"HTTP {proof.status}, " if proof.status is not None else ""
        detail = f"{status}{proof.bytes:,} bytes, layout {proof.layout or 'not read'}{dates}"
        doctor.show(console, doctor.Check(proof.verdict, proof.source, detail, proof.advice))
    if json_path:
        write_json(proofs, Path(json_path), config)
        console.print(f"Wrote {json_path}", markup=False)
    failed = [p.source for p in proofs if p.verdict == "FAIL" and p.headline]
    console.print("Every headline source answers and parses." if not failed else
                  "Headline sources failing: " + ", ".join(failed) + ".", markup=False)
    return 1 if failed else 0
