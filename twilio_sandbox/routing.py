"""Regex routes: ``Router.add(method, pattern, handler, *, auth=True)``."""

import re
from dataclasses import dataclass
from typing import Callable

from .errors import ApiError, not_found

# Building blocks for patterns. Paths use lenient segments so a malformed SID
# reaches the handler's lookup and gets Twilio's 404, not a routing quirk.
SEG = r"[^/]+"
ACCOUNT = rf"/2010-04-01/Accounts/(?P<AccountSid>{SEG})"


@dataclass
class Route:
    method: str
    regex: re.Pattern
    handler: Callable
    auth: bool
    name: str


def display_name(pattern: str) -> str:
    """Turn ``/Accounts/(?P<Sid>[^/]+)\\.json`` into ``/Accounts/{Sid}.json`` for stats."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("(?P<", i):
            end = pattern.index(">", i)
            out.append("{" + pattern[i + 4:end] + "}")
            i = _skip_group(pattern, i)
        elif pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(pattern[i + 1])
            i += 2
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


def _skip_group(pattern: str, start: int) -> int:
    depth, i = 0, start
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


class Router:
    def __init__(self):
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Callable, *, auth: bool = True) -> None:
        name = display_name(pattern)
        self.routes.append(Route(method.upper(), re.compile(pattern), handler, auth, name))

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route and its path params; 404/20404 if no path matches, 405 if only the method differs."""
        path_matched = False
        for route in self.routes:
            found = route.regex.fullmatch(path)
            if not found:
                continue
            if route.method == method:
                return route, found.groupdict()
            path_matched = True
        if path_matched:
            raise ApiError(405, 20004, "Method not allowed")
        raise not_found(path)

    def match(self, method: str, path: str) -> tuple[Callable, dict[str, str]]:
        route, params = self.find(method, path)
        return route.handler, params
