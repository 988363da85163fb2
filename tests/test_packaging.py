"""environment.yml (conda) builds the same environment as pyproject.toml (pip)."""

import re
import tomllib

import yaml

from taizhang.project import project_root


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_every_dependency():
    py = tomllib.loads((project_root() / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in py["dependencies"] + py["optional-dependencies"]["test"]}
    env = yaml.safe_load((project_root() / "environment.yml").read_text(encoding="utf-8"))
    have = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            have |= {_name(r) for r in dep["pip"] if not r.startswith("-e")}
        else:
            have.add(_name(dep))
    assert wanted - have == set()
