"""What the agent console says, to customers and to agents, in one place.

Notices reach the customer's widget through Rasa; ``{agent}`` is the agent's display
name and ``{store}`` the store's name from its policy in Redis. The rest answers the
console's own requests, or marks handoffs in a transcript.
"""

from __future__ import annotations

# In the customer's widget, when a person joins or leaves.
JOINED = "{agent} from our team has joined the chat."
HANDED_BACK = "{agent} has handed you back to the {store} assistant. Ask me anything."
# When the store's policy cannot be read, the notice goes without the store's name.
HANDED_BACK_UNNAMED = "{agent} has handed you back to our assistant. Ask me anything."
CLOSED = "{agent} has closed this conversation. Thank you for your patience."

# In an agent's transcript, where the bot stopped and started again.
PAUSED = "Handed to a person; the bot is paused."
RESUMED = "The bot has the conversation again."

# Answers to the console's requests.
NO_HANDOFF = "no handoff for this conversation"
NOT_QUEUED = "this conversation is not waiting for a person"
CLAIM_FIRST = "claim the conversation first"
HELD_BY = "{owner} has this conversation"
INVALID_REQUEST = "invalid request"
NOT_EDITABLE = "these slots cannot be changed by an agent"
RASA_DOWN = "the assistant is not answering; try again in a moment"
REPLY_NOT_DELIVERED = "not delivered: the assistant is not answering; your text is kept, try again"
HAND_BACK_FAILED = "the assistant is not answering; the conversation stays with you"
CLOSE_FAILED = "the assistant is not answering; the conversation stays open"

# Agent tools (web/agent/tools_routes.py): in the customer's widget, when a colleague takes
# over or the agent puts the conversation back in the queue.
TRANSFERRED = "{agent} from our team has joined the chat and will take it from here."
RELEASED = "{agent} has stepped away. The next person on our team will be with you shortly."
# Answers to the tools' requests.
NOT_AN_AGENT = "no agent account with that username"
TRANSFER_TO_SELF = "you already have this conversation"
NOBODY_HOLDS_IT = "nobody has this conversation: it is in the queue already"
ALREADY_HOLDS_IT = "{owner} already has this conversation"
UNFILLED_VARIABLES = "fill in {names} before sending"
NO_CANNED_REPLY = "no canned reply with that shortcut"
NOT_A_CANNED_MANAGER = "only admins and agents allowed to manage canned replies can change them"
