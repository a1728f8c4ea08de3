"""Long polling for pilots without a public address: `python -m bot telegram poll`.

Fetches updates from Telegram and posts each to the assistant's own Telegram webhook (with the secret),
so polling and webhook mode share one code path. An update is acknowledged to Telegram (by moving the
offset past it) only once the assistant accepted it: if the assistant is down, Telegram keeps it.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Optional

import aiohttp
from telegram import Bot
from telegram.error import NetworkError, RetryAfter

from bot.channels.telegram import SECRET_HEADER, retry_seconds
from bot.config import Settings

logger = logging.getLogger(__name__)
RETRY_SECONDS = 5


async def poll(settings: Settings, stop: Optional[asyncio.Event] = None, timeout: int = 25) -> None:
    """Poll until `stop` is set (or forever)."""
    stop = stop or asyncio.Event()
    bot = Bot(settings.telegram_token, base_url=settings.telegram_api_url)
    await bot.initialize()
    await bot.delete_webhook()  # Telegram refuses getUpdates while a webhook is set
    webhook = f"{settings.rasa_url}/webhooks/telegram/webhook"
    offset: Optional[int] = None
    logger.info("Polling Telegram; passing updates to %s", webhook)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
        while not stop.is_set():
            try:
                updates = await bot.get_updates(offset=offset, timeout=timeout)
            except RetryAfter as error:
                await asyncio.sleep(retry_seconds(error))
                continue
            except NetworkError as error:
                logger.warning("Telegram not reachable (%s); trying again in %s s", error, RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            for update in updates:
                try:
                    async with http.post(
                        webhook, json=update.to_dict(), headers={SECRET_HEADER: settings.telegram_secret}
                    ) as answer:
                        accepted = answer.status < 500 and answer.status != 429  # 429: "later"
                except aiohttp.ClientError:
                    accepted = False
                if not accepted:
                    logger.warning("The assistant did not accept an update; Telegram will deliver it again")
                    await asyncio.sleep(RETRY_SECONDS)
                    break
                offset = update.update_id + 1
    await bot.shutdown()
