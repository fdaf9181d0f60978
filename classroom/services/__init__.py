"""Every write of the live game, one module per part of the game.

- `publish`: `Broadcast`, the frames of one change, and how they reach the hub after
  the change is committed.
- `locked`: the locked game row every write starts from, and its legal moves.
- `groups`: a group of rows stored in one INSERT, each row failing alone.
- `phases`: creating a game, its phases (start, next, close, scoreboard, end), lock and
  unlock, the host's options.
- `players`: joining, resuming, presence (phones and projector), kicking, extra time.
- `answers`: a group of answers stored in one transaction.

Each service is keyword-only, typed, and one transaction that locks the game row
(`select_for_update()`), so the services of one game run one after another whatever
process they run in. A service that changes what clients see bumps the audience's
sequence number in that transaction and hands the frames to the hub with
`transaction.on_commit`: nothing is broadcast for a change that was rolled back, and a
frame's `seq` is always stored. Reads go through classroom/selectors.py.

Callers import the module they need (`from classroom.services import phases`): this
package re-exports nothing.
"""
