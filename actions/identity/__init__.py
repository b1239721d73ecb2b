"""Signed customer identity: the store's website vouches for who is chatting."""
