"""HTML building blocks of the dashboard: the page frame, escaping, Bangla digits, masking.

Pages are server-rendered strings with one inline style sheet: no JavaScript, nothing
loaded from other sites, readable on a phone.
"""

from __future__ import annotations

from html import escape

from faq.learned import PERSONAL

__all__ = ["NAV", "bn", "csrf_field", "esc", "mask_id", "page", "pct", "redact"]

_BN_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")

NAV = (
    ("overview", "সারসংক্ষেপ", "Overview"),
    ("topics", "বিষয়", "Topics"),
    ("review", "পর্যালোচনা", "Review"),
    ("broadcast", "ঘোষণা", "Broadcast"),
    ("content", "কনটেন্ট", "Content"),
    ("audit", "অডিট", "Audit"),
)

_STYLE = """
*{box-sizing:border-box}
body{margin:0;font-family:'Noto Sans Bengali','Noto Sans',system-ui,sans-serif;color:#1d2733;
background:#f4f6f8;line-height:1.45}
header{background:#0d5c63;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;
align-items:center;gap:.4rem 1rem}
header b{font-size:1.05rem;margin-right:auto}
nav a{color:#e0f2f1;text-decoration:none;padding:.2rem .45rem;border-radius:4px;font-size:.95rem}
nav a.on{background:#fff;color:#0d5c63}
nav a .en{color:#b2dfdb}
nav a.on .en{color:#5b6b7a}
main{max-width:1100px;margin:0 auto;padding:1rem}
h1{font-size:1.3rem;margin:.2rem 0 1rem}
h2{font-size:1.05rem;margin:1.2rem 0 .5rem}
.en{color:#5b6b7a;font-size:.82em;font-weight:normal}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:.6rem}
.card{background:#fff;border-radius:8px;padding:.7rem .8rem;box-shadow:0 1px 2px #0002}
.card .n{font-size:1.5rem;font-weight:600;color:#0d5c63}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:.8rem}
.panel{background:#fff;border-radius:8px;padding:.8rem;box-shadow:0 1px 2px #0002;overflow-x:auto}
svg.chart{width:100%;height:auto;display:block}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.93rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e3e8ec;vertical-align:top}
th{background:#eef3f5}
td.num,th.num{text-align:right;white-space:nowrap}
form.inline{display:inline}
input,select,textarea,button{font:inherit}
input[type=text],input[type=password],select,textarea{width:100%;padding:.45rem;
border:1px solid #b8c4cc;border-radius:5px;background:#fff}
textarea{min-height:8rem}
button{background:#0d5c63;color:#fff;border:0;border-radius:5px;padding:.45rem .9rem;
cursor:pointer;margin:.15rem 0}
button.secondary{background:#5b6b7a}
button.danger{background:#a23b2a}
label{display:block;margin:.6rem 0 .2rem;font-weight:600}
.msg{padding:.6rem .8rem;border-radius:6px;margin:.6rem 0;background:#e0f2f1}
.err{background:#fde8e4;color:#7a1f12}
.muted{color:#5b6b7a;font-size:.9em}
.bubble{background:#fff;border:1px solid #cfd8dc;border-radius:10px;padding:.6rem;
white-space:pre-wrap;max-width:26rem}
.btns span{display:inline-block;border:1px solid #0d5c63;color:#0d5c63;border-radius:14px;
padding:.1rem .6rem;margin:.3rem .3rem 0 0;font-size:.9em}
progress{width:100%;height:1.2rem}
.login{max-width:360px;margin:3rem auto}
"""


def esc(value: object) -> str:
    """Escape text for HTML (quotes too, so it is safe in attributes)."""
    return escape(str(value), quote=True)


def bn(value: int | float | str) -> str:
    """Write a number with Bangla digits (and thousands separators for whole numbers)."""
    text = f"{value:,}" if isinstance(value, int) else str(value)
    return text.translate(_BN_DIGITS)


def pct(part: int, whole: int) -> str:
    """Return a percentage in Bangla digits, or a dash when there is nothing to divide."""
    return bn(f"{100 * part / whole:.0f}") + "%" if whole else "–"


def redact(text: str) -> str:
    """Hide phone numbers and e-mail addresses a user typed into a question."""
    return PERSONAL.sub("•••", text)


def mask_id(external_id: str) -> str:
    """Show a chat id as its last three characters only."""
    return "•••" + external_id[-3:] if len(external_id) > 3 else "•••"


def csrf_field(token: str) -> str:
    """Return the hidden CSRF input every form carries."""
    return f'<input type="hidden" name="csrf" value="{esc(token)}">'


def page(
    title: str, body: str, *, active: str = "", user: str = "", csrf: str = "", refresh: int = 0
) -> str:
    """Wrap a page body in the common frame (navigation only when logged in)."""
    nav = ""
    if user:
        links = "".join(
            f'<a href="/admin/{key}"{" class=on" if key == active else ""}>{bn_} '
            f'<span class="en">{en}</span></a>'
            for key, bn_, en in NAV
        )
        logout = (
            f'<form class="inline" method="post" action="/admin/logout">{csrf_field(csrf)}'
            f'<button class="secondary" type="submit">প্রস্থান · {esc(user)}</button></form>'
        )
        nav = f"<nav>{links}</nav>{logout}"
    return (
        '<!doctype html><html lang="bn"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        + (f'<meta http-equiv="refresh" content="{refresh}">' if refresh else "")
        + f"<title>{esc(title)} · আউটসোর্সিং বন্ধু</title><style>{_STYLE}</style></head>"
        f"<body><header><b>আউটসোর্সিং বন্ধু · অ্যাডমিন</b>{nav}</header>"
        f"<main>{body}</main></body></html>"
    )
