"""The active challenge: a random sequence of head turns, and checking it against the head pose of the frames.

Sides are the user's own: turning to one's left shows the nose towards the image's right side of an unmirrored
camera frame, which `libs.quality` reports as a positive yaw.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

LEFT = "left"
RIGHT = "right"
SIDES = (LEFT, RIGHT)


def random_challenge(min_steps: int = 2, max_steps: int = 3) -> tuple[str, ...]:
    """Turns chosen by the server (`secrets`, so a client cannot predict them); never one side twice in a row,
    which the frames could not tell apart from one long turn."""
    if not 1 <= min_steps <= max_steps:
        raise ValueError(f"challenge steps must satisfy 1 <= min <= max, got {min_steps}..{max_steps}")
    count = min_steps + secrets.randbelow(max_steps - min_steps + 1)
    steps = [secrets.choice(SIDES)]
    while len(steps) < count:
        steps.append(RIGHT if steps[-1] == LEFT else LEFT)
    return tuple(steps)


def side_of(yaw: float | None, turn_degrees: float) -> str | None:
    """The side a head with this yaw is turned to, or None when it is not turned that far (or unknown)."""
    if yaw is None or yaw != yaw:  # NaN: the pose could not be fitted
        return None
    if yaw >= turn_degrees:
        return LEFT
    if yaw <= -turn_degrees:
        return RIGHT
    return None


def performed_turns(yaws: Sequence[float | None], turn_degrees: float) -> tuple[str, ...]:
    """The turns the frames show in order; consecutive turned frames of one side are one turn."""
    turns: list[str] = []
    for yaw in yaws:
        side = side_of(yaw, turn_degrees)
        if side is not None and (not turns or turns[-1] != side):
            turns.append(side)
    return tuple(turns)


def challenge_met(challenge: Sequence[str], yaws: Sequence[float | None], turn_degrees: float) -> bool:
    """Exactly the challenge's turns, in its order: a missing, extra or swapped turn fails."""
    return performed_turns(yaws, turn_degrees) == tuple(challenge)
