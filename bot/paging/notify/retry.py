"""Old import path of the notifiers' sender, kept only while the post-mortem files being
restructured still import it; new code imports :mod:`bot.paging.notify.delivery` and
:mod:`bot.kernel.http`. Delete once nothing imports it."""

from bot.kernel.http import OutboundRequest
from bot.paging.notify.delivery import Sender

__all__ = ["OutboundRequest", "Sender"]
