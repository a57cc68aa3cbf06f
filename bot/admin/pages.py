"""The dashboard's pages as HTML strings, from plain data (no storage, no requests here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from bot.admin.charts import bars, columns
from bot.admin.html import bn, csrf_field, esc, mask_id, pct, redact
from bot.admin.review import ReviewGroup
from db.admin_types import AuditEntry, BroadcastInfo, Overview, TopicStats
from faq.content import Problem
from faq.model import Content
from faq.replies import Reply

__all__ = [
    "audit_body",
    "broadcast_form",
    "broadcast_preview",
    "broadcast_progress",
    "content_body",
    "login_body",
    "overview_body",
    "review_body",
    "topics_body",
]

CHANNEL_NAMES = {"telegram": "Telegram", "messenger": "Messenger", "console": "Console"}
AUDIENCES = (("everyone", "সবাই", "everyone"), ("subscribers", "গ্রাহকেরা", "subscribers"))


def _h(bangla: str, english: str) -> str:
    return f'{esc(bangla)} <span class="en">{esc(english)}</span>'


def _card(bangla: str, english: str, value: str) -> str:
    return f'<div class="card"><div>{_h(bangla, english)}</div><div class="n">{value}</div></div>'


def login_body(csrf: str, error: str = "") -> str:
    """The login form: the editor's name (for the audit) and the admin token."""
    err = f'<div class="msg err">{esc(error)}</div>' if error else ""
    return (
        f'<div class="login panel"><h1>{_h("প্রবেশ", "Log in")}</h1>{err}'
        '<form method="post" action="/admin/login">'
        f"{csrf_field(csrf)}"
        f'<label for="name">{_h("আপনার নাম", "your name, for the audit log")}</label>'
        '<input type="text" id="name" name="name" maxlength="40" required autocomplete="username">'
        f'<label for="token">{_h("অ্যাডমিন টোকেন", "ADMIN_TOKEN")}</label>'
        '<input type="password" id="token" name="token" required '
        'autocomplete="current-password">'
        '<p><button type="submit">প্রবেশ করুন</button></p></form></div>'
    )


def _series(data: dict[str, int], last: date, days: int) -> list[tuple[str, int]]:
    """Every day of the window (oldest first) with its value, labelled MM-DD."""
    out = []
    for back in range(days - 1, -1, -1):
        day = last - timedelta(days=back)
        out.append((day.strftime("%m-%d"), data.get(day.isoformat(), 0)))
    return out


def overview_body(ov: Overview, today_utc: date, today_dhaka: date, days: int) -> str:
    """The overview: key numbers, then the charts."""
    cards = [
        _card("মোট ব্যবহারকারী", "users", bn(ov.users)),
        *(
            _card(CHANNEL_NAMES.get(ch, ch), "users", bn(n))
            for ch, n in sorted(ov.users_by_channel.items())
        ),
        _card("সক্রিয় ১ দিনে", "active 1 day", bn(ov.active.get(1, 0))),
        _card("সক্রিয় ৭ দিনে", "active 7 days", bn(ov.active.get(7, 0))),
        _card("সক্রিয় ৩০ দিনে", "active 30 days", bn(ov.active.get(30, 0))),
        _card("কোর্সের গ্রাহক", "subscribers", bn(ov.subscribers)),
        _card("পৌঁছানো যায় না", "blocked / unreachable", bn(ov.blocked)),
        _card("উত্তর দিতে পারেনি", "unanswered questions", bn(ov.unanswered)),
    ]
    channel_rows = [
        (CHANNEL_NAMES.get(ch, ch), n, pct(n, ov.users))
        for ch, n in sorted(ov.users_by_channel.items(), key=lambda kv: -kv[1])
    ]
    first = ov.reached_day.get(1, 0)
    funnel = [
        (f"দিন {bn(day)}", n, f"{bn(n)} · {pct(n, first)}")
        for day, n in sorted(ov.reached_day.items())
    ]
    quiz_rows = [
        (f"পাঠ {bn(day)}", answered, f"{pct(right, answered)} সঠিক")
        for day, (answered, right) in sorted(ov.quiz_by_day.items())
    ]
    quiz_right = [right for _, (_, right) in sorted(ov.quiz_by_day.items())]
    panels = [
        (
            _h(f"নতুন ব্যবহারকারী, শেষ {bn(days)} দিন", "new users per day (UTC)"),
            columns(
                "new_users", "new users per day", _series(ov.new_users_by_day, today_utc, days)
            ),
        ),
        (
            _h(f"পাঠ পাঠানো হয়েছে, শেষ {bn(days)} দিন", "lessons delivered per day (Dhaka)"),
            columns(
                "lessons",
                "lessons delivered per day",
                _series(ov.lessons_by_day, today_dhaka, days),
            ),
        ),
        (
            _h("চ্যানেল অনুযায়ী", "users by channel"),
            bars("channels", "users by channel", channel_rows),
        ),
        (
            _h("কোর্স: কত জন কোন দিন পর্যন্ত পৌঁছেছেন", "course funnel: users who reached day N"),
            bars("funnel", "course funnel", funnel, total=first or None)
            if funnel
            else '<p class="muted">এখনও কেউ পাঠ পাননি।</p>',
        ),
        (
            _h("কুইজে সঠিক উত্তর, পাঠ অনুযায়ী", "quiz: answers (bar) and right (inner)"),
            bars("quiz", "quiz correctness per lesson", quiz_rows, second=quiz_right)
            if quiz_rows
            else '<p class="muted">এখনও কোনো কুইজের উত্তর নেই।</p>',
        ),
    ]
    return (
        f"<h1>{_h('সারসংক্ষেপ', 'Overview')}</h1>"
        f'<div class="cards">{"".join(cards)}</div><div class="grid">'
        + "".join(f'<div class="panel"><h2>{title}</h2>{chart}</div>' for title, chart in panels)
        + "</div>"
    )


def topics_body(
    content: Content, stats: Sequence[TopicStats], downvoted: Sequence[tuple[str, str, int]]
) -> str:
    """Views and 👍/👎 per topic, and the questions that led to a 👎."""
    by_id = {s.topic_id: s for s in stats}
    ids = [t for t in (s.topic_id for s in stats) if t in content.topics]
    ids += [t for t in content.topics if t not in by_id]
    rows = []
    for tid in ids:
        s = by_id.get(tid, TopicStats(tid, 0, 0, 0))
        rows.append(
            f"<tr><td>{esc(content.topics[tid].title)}<br><span class=muted>{esc(tid)}</span></td>"
            f'<td class="num">{bn(s.views)}</td><td class="num">{bn(s.up)}</td>'
            f'<td class="num">{bn(s.down)}</td>'
            f'<td class="num">{pct(s.up, s.up + s.down)}</td></tr>'
        )
    top = [s for s in stats if s.topic_id in content.topics][:12]
    chart = bars(
        "topic_views",
        "views per topic",
        [(content.topics[s.topic_id].title, s.views, bn(s.views)) for s in top],
    )
    down_rows = "".join(
        f"<tr><td>{esc(content.topics[t].title if t in content.topics else t)}</td>"
        f'<td>{esc(redact(q))}</td><td class="num">{bn(n)}</td></tr>'
        for t, q, n in downvoted
    )
    return (
        f"<h1>{_h('বিষয়', 'Topics')}</h1>"
        f'<div class="panel"><h2>{_h("সবচেয়ে বেশি দেখা", "most viewed")}</h2>{chart}</div>'
        f"<h2>{_h('প্রতিটি বিষয়', 'every topic')}</h2><div class=panel><table><tr>"
        f'<th>বিষয় <span class="en">topic</span></th><th class="num">দেখা '
        f'<span class="en">views</span></th><th class="num">👍</th><th class="num">👎</th>'
        f'<th class="num">👍 %</th></tr>{"".join(rows)}</table></div>'
        f"<h2>{_h('যে প্রশ্নের উত্তরে 👎 এসেছে', 'questions that led to a 👎')}</h2>"
        + (
            f"<div class=panel><table><tr><th>বিষয়</th><th>প্রশ্ন <span class=en>question</span>"
            f'</th><th class="num">বার</th></tr>{down_rows}</table></div>'
            if down_rows
            else '<p class="muted">এখনও কোনো 👎 নেই।</p>'
        )
    )


def _topic_options(content: Content, selected: str | None) -> str:
    out = []
    for branch in content.branches:
        opts = "".join(
            f'<option value="{esc(t)}"{" selected" if t == selected else ""}>'
            f"{esc(content.topics[t].title)} ({esc(t)})</option>"
            for t in branch.topic_ids
        )
        out.append(f'<optgroup label="{esc(branch.title)}">{opts}</optgroup>')
    return "".join(out)


def review_body(
    content: Content,
    groups: Sequence[ReviewGroup],
    total_groups: int,
    total_questions: int,
    page: int,
    pages: int,
    csrf: str,
    message: str = "",
) -> str:
    """The review queue: biggest groups first, each with its suggestion and three choices."""
    msg = f'<div class="msg">{esc(message)}</div>' if message else ""
    items = []
    for g in groups:
        phrasings = "".join(
            f"<li>{esc(redact(text))} <span class=muted>×{bn(n)}</span></li>"
            for text, n in g.phrasings
        )
        suggestion = (
            f"{esc(content.topics[g.suggestion].title)} "
            f"<span class=muted>({esc(g.suggestion)}, {bn(f'{g.suggestion_score:.2f}')})</span>"
            if g.suggestion in content.topics
            else '<span class="muted">কোনো প্রস্তাব নেই</span>'
        )
        items.append(
            f'<div class="panel review-group" style="margin-bottom:.7rem">'
            f"<b>{bn(g.count)} বার</b> <span class=muted>asked · {bn(g.distinct)} রকম লেখা ·"
            f" key: {esc(g.key)}</span><ul>{phrasings}</ul>"
            f"<div>{_h('প্রস্তাবিত বিষয়', 'suggested topic')}: {suggestion}</div>"
            f'<form method="post" action="/admin/review">{csrf_field(csrf)}'
            f'<input type="hidden" name="key" value="{esc(g.key)}">'
            f'<input type="hidden" name="page" value="{page}">'
            f"<label>{_h('বিষয় বেছে নিন', 'topic')}</label>"
            f'<select name="topic">{_topic_options(content, g.suggestion)}</select>'
            '<button name="action" value="accept" type="submit">গ্রহণ · accept</button> '
            '<button class="danger" name="action" value="reject" type="submit">'
            "বিষয়ের বাইরে · reject</button> "
            '<button class="secondary" name="action" value="skip" type="submit">'
            "পরে · skip</button></form></div>"
        )
    nav = ""
    if pages > 1:
        prev_link = f'<a href="/admin/review?page={page - 1}">← আগের</a> ' if page > 1 else ""
        next_link = f' <a href="/admin/review?page={page + 1}">পরের →</a>' if page < pages else ""
        nav = f"<p>{prev_link}পৃষ্ঠা {bn(page)} / {bn(pages)}{next_link}</p>"
    empty = '<p class="muted">পর্যালোচনার মতো কোনো প্রশ্ন নেই।</p>' if not groups else ""
    return (
        f"<h1>{_h('অনিশ্চিত প্রশ্নের পর্যালোচনা', 'Review queue')}</h1>{msg}"
        f"<p>{bn(total_groups)}টি দল, মোট {bn(total_questions)} বার জিজ্ঞেস করা হয়েছে "
        '<span class="en">groups of low-confidence and refused questions, biggest first;'
        " accepted phrasings are used by the matcher at once</span></p>"
        f"{empty}{''.join(items)}{nav}"
    )


def _preview(channel: str, reply: Reply) -> str:
    limit = 2000 if channel == "messenger" else 4096
    text = reply.text if len(reply.text) <= limit else reply.text[:limit] + "…"
    labels = [b.label for row in reply.buttons for b in row]
    if channel == "messenger":
        labels = [label[:20] for label in labels]
        note = "২৪ ঘণ্টার মধ্যে যাঁরা লেখেননি, তাঁদের পাঠানো হবে না (24-hour window)"
    else:
        note = "বোতামগুলো বার্তার নিচে থাকবে (inline keyboard)"
    btns = "".join(f"<span>{esc(label)}</span>" for label in labels)
    return (
        f'<div class="panel"><h2>{esc(CHANNEL_NAMES.get(channel, channel))}</h2>'
        f'<div class="bubble">{esc(text)}</div><div class="btns">{btns}</div>'
        f'<p class="muted">{note}</p></div>'
    )


def broadcast_form(
    content: Content,
    channels: Sequence[str],
    recent: Sequence[BroadcastInfo],
    csrf: str,
    *,
    text: str = "",
    buttons: Sequence[str] = (),
    audience: str = "subscribers",
    error: str = "",
) -> str:
    """Compose: text, up to three topic buttons, the audience."""
    err = f'<div class="msg err">{esc(error)}</div>' if error else ""
    audiences = [*AUDIENCES, *((f"channel:{c}", CHANNEL_NAMES.get(c, c), c) for c in channels)]
    aud = "".join(
        f'<option value="{esc(v)}"{" selected" if v == audience else ""}>{esc(b)} ({esc(e)})'
        "</option>"
        for v, b, e in audiences
    )
    selects = "".join(
        f'<select name="button"><option value="">— কোনো বোতাম নয় —</option>'
        f"{_topic_options(content, buttons[i] if i < len(buttons) else None)}</select>"
        for i in range(3)
    )
    history = "".join(
        f'<tr><td><a href="/admin/broadcast/{b.id}">#{bn(b.id)}</a></td><td>{esc(b.created_at)}'
        f'</td><td>{esc(b.audience)}</td><td class="num">{bn(b.states.get("sent", 0))} / '
        f"{bn(b.total)}</td></tr>"
        for b in recent
    )
    return (
        f"<h1>{_h('সবার কাছে ঘোষণা', 'Broadcast')}</h1>{err}"
        f'<form method="post" action="/admin/broadcast" class="panel">{csrf_field(csrf)}'
        '<input type="hidden" name="step" value="preview">'
        f'<label for="text">{_h("বার্তা", "message, Bangla")}</label>'
        f'<textarea id="text" name="text" maxlength="1500" required>{esc(text)}</textarea>'
        f"<label>{_h('বিষয়ের বোতাম', 'optional buttons to topics')}</label>{selects}"
        f'<label for="audience">{_h("কাদের কাছে", "audience")}</label>'
        f'<select id="audience" name="audience">{aud}</select>'
        '<p><button type="submit">প্রিভিউ দেখুন · preview</button></p></form>'
        + (
            f"<h2>{_h('আগের ঘোষণা', 'recent broadcasts')}</h2><div class=panel><table>"
            f"<tr><th>#</th><th>সময়</th><th>কাদের</th><th class=num>পাঠানো</th></tr>"
            f"{history}</table></div>"
            if history
            else ""
        )
    )


def broadcast_preview(
    reply: Reply,
    channels: Sequence[str],
    count: int,
    text: str,
    buttons: Sequence[str],
    audience: str,
    csrf: str,
) -> str:
    """Preview per channel and the confirmation with the number of recipients."""
    hidden = (
        f'<input type="hidden" name="text" value="{esc(text)}">'
        + "".join(f'<input type="hidden" name="button" value="{esc(b)}">' for b in buttons)
        + f'<input type="hidden" name="audience" value="{esc(audience)}">'
    )
    return (
        f"<h1>{_h('প্রিভিউ ও নিশ্চিতকরণ', 'Preview and confirm')}</h1>"
        f'<div class="grid">{"".join(_preview(c, reply) for c in channels)}</div>'
        f'<form method="post" action="/admin/broadcast" class="panel">{csrf_field(csrf)}'
        f'<input type="hidden" name="step" value="send">{hidden}'
        f"<p><b>{bn(count)} জনকে</b> পাঠানো হবে <span class=en>recipients ({esc(audience)})"
        "</span></p>"
        f'<input type="hidden" name="expected" value="{count}">'
        '<button type="submit">নিশ্চিত, পাঠান · send</button> '
        '<a href="/admin/broadcast">বাতিল · cancel</a></form>'
    )


def broadcast_progress(info: BroadcastInfo, running: bool, csrf: str) -> str:
    """Live progress (the page refreshes itself while the run goes on)."""
    done = info.total - info.pending
    labels = (
        ("sent", "পাঠানো হয়েছে", "sent"),
        ("skipped", "২৪ ঘণ্টার বাইরে, পাঠানো হয়নি", "skipped: outside 24-hour window"),
        ("blocked", "পৌঁছানো যায়নি", "blocked / unreachable"),
        ("failed", "ব্যর্থ", "failed"),
        ("pending", "বাকি", "pending"),
    )
    cards = "".join(_card(b, e, bn(info.states.get(k, 0))) for k, b, e in labels)
    state = (
        '<p class="msg">পাঠানো চলছে… <span class=en>running; this page refreshes</span></p>'
        if running
        else (
            '<p class="msg">শেষ হয়েছে <span class=en>finished</span></p>'
            if not info.pending
            else f'<form method="post" action="/admin/broadcast/{info.id}/resume">'
            f"{csrf_field(csrf)}<p class='msg err'>{bn(info.pending)} জন বাকি "
            "<span class=en>pending: the run stopped</span> "
            '<button type="submit">আবার চালু করুন · resume</button></p></form>'
        )
    )
    return (
        f"<h1>{_h(f'ঘোষণা #{bn(info.id)}', 'Broadcast progress')}</h1>{state}"
        f'<progress id="progress" max="{max(info.total, 1)}" value="{done}"></progress>'
        f"<p>{bn(done)} / {bn(info.total)} ({pct(done, info.total)})</p>"
        f'<div class="cards">{cards}</div>'
        f'<h2>{_h("বার্তা", "message")}</h2><div class="bubble">{esc(info.text)}</div>'
    )


def content_body(
    content: Content, loaded_at: str, problems: Sequence[Problem], csrf: str, message: str = ""
) -> str:
    """What is being served, and the reload button with the last attempt's problems."""
    msg = f'<div class="msg">{esc(message)}</div>' if message else ""
    probs = "".join(f"<li><code>{esc(p)}</code></li>" for p in problems)
    prob_block = (
        f'<div class="msg err"><b>পুরোনো কনটেন্টই চালু আছে — এই সমস্যাগুলো ঠিক করুন '
        f'<span class="en">the old content is still served; fix these</span></b>'
        f"<ul>{probs}</ul></div>"
        if problems
        else ""
    )
    return (
        f"<h1>{_h('কনটেন্ট', 'Content')}</h1>{msg}{prob_block}"
        f'<div class="cards">{_card("শাখা", "branches", bn(len(content.branches)))}'
        f"{_card('বিষয়', 'topics', bn(len(content.topics)))}"
        f"{_card('পাঠ', 'lessons', bn(len(content.lessons)))}</div>"
        f'<p class="muted">loaded at {esc(loaded_at)}</p>'
        f'<form method="post" action="/admin/content/reload">{csrf_field(csrf)}'
        "<button type=submit>ফাইল থেকে আবার লোড করুন · reload</button></form>"
        '<p class="muted">আগে যাচাই হয়; কোনো সমস্যা থাকলে পুরোনো কনটেন্টই চলবে। '
        "<span class=en>validated first; any problem keeps the old content</span></p>"
    )


def audit_body(entries: Sequence[AuditEntry]) -> str:
    """The latest admin actions."""
    rows = "".join(
        f"<tr><td>{esc(e.at)}</td><td>{esc(e.actor)}</td><td>{esc(e.action)}</td>"
        f"<td>{esc(e.detail)}</td><td>{esc(mask_id(e.ip) if e.ip.count('.') == 3 else e.ip)}"
        "</td></tr>"
        for e in entries
    )
    return (
        f"<h1>{_h('অডিট', 'Audit log')}</h1><div class=panel><table><tr><th>সময় "
        "<span class=en>when (UTC)</span></th><th>কে <span class=en>who</span></th>"
        "<th>কী <span class=en>what</span></th><th>বিস্তারিত</th><th>IP</th></tr>"
        f"{rows}</table></div>"
    )
