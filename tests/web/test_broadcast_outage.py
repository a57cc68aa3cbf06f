"""A broadcast run through an outage of PostgreSQL: what was sent is recorded once the
database is back, the run goes on, and nobody gets the message twice."""

from __future__ import annotations

import asyncio
from collections import Counter

from bot.admin.broadcast import run_broadcast
from db.postgres import PostgresStore
from faq.channel import Outcome, SendResult
from faq.replies import Reply
from tests.postgres_server import Cluster, create_database

USERS = [7100 + i for i in range(6)]


class OutageChannel:
    """A channel whose second send takes the database away (for ``away`` seconds)."""

    def __init__(self, cluster: Cluster, away: float) -> None:
        self.cluster, self.away = cluster, away
        self.sent: Counter[str] = Counter()
        self.outage: asyncio.Task[None] | None = None

    async def push(
        self, external_id: str, reply: Reply, last_inbound_at: str | None = None
    ) -> SendResult:
        self.sent[external_id] += 1
        if sum(self.sent.values()) == 2:  # sent; the database goes before it is recorded
            await asyncio.to_thread(self.cluster.stop)
            self.outage = asyncio.create_task(self._back_later())
        return SendResult(Outcome.SENT)

    async def _back_later(self) -> None:
        await asyncio.sleep(self.away)
        await asyncio.to_thread(self.cluster.start)


async def test_a_broadcast_through_an_outage_sends_each_message_once(cluster: Cluster) -> None:
    url = create_database(cluster.url, "bot")
    store = await PostgresStore.open(url)
    try:
        for user in USERS:
            await store.touch_user("telegram", str(user), "", None)
        broadcast_id = await store.create_broadcast("নোটিশ", (), "everyone", "test")
        channel = OutageChannel(cluster, away=3.0)
        report = await asyncio.wait_for(
            run_broadcast(
                store,
                broadcast_id,
                Reply("নোটিশ"),
                {"telegram": channel},
                rate=50,
                concurrency=1,
            ),
            timeout=120,
        )
        assert channel.outage is not None
        await channel.outage
        assert report.sent == len(USERS)
        assert channel.sent == Counter({str(u): 1 for u in USERS})  # nobody twice
        assert await store.broadcast_pending(broadcast_id, 100) == []
    finally:
        await store.close()
