"""The CLI explains itself: `policytrack` alone lists every subcommand,
`policytrack help COMMAND` and `policytrack COMMAND --help` print the same
usage for each, and a wrong option points at that usage."""

import pytest

import ptutil

COMMANDS = ["migrate", "user", "token", "audit", "export", "sql", "version", "help"]


def test_no_arguments_lists_every_command():
    cp = ptutil.run_cli([], expect_rc=2)
    listed = {line.split()[0] for line in cp.stderr.splitlines() if line.startswith("  ") and line.strip()}
    assert set(COMMANDS) <= listed, f"`policytrack` does not list {set(COMMANDS) - listed}:\n{cp.stderr}"


def test_help_lists_every_command_on_stdout():
    for args in (["help"], ["--help"]):
        cp = ptutil.run_cli(args, expect_rc=0)
        for name in COMMANDS:
            assert f"\n  {name} " in cp.stdout, f"`policytrack {' '.join(args)}` does not list {name}"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_prints_its_usage(name):
    by_help = ptutil.run_cli(["help", name], expect_rc=0).stdout
    assert by_help.startswith(f"usage: policytrack {name}"), by_help
    by_flag = ptutil.run_cli([name, "--help"], expect_rc=0).stdout
    assert by_flag == by_help, f"`{name} --help` and `help {name}` differ"


@pytest.mark.parametrize("name", ["migrate", "user", "token", "audit", "export"])
def test_database_commands_name_the_database_option(name):
    usage = ptutil.run_cli(["help", name], expect_rc=0).stdout
    assert "--database-url URL" in usage and "POLICYTRACK_MIGRATE_DATABASE_URL" in usage, usage


@pytest.mark.parametrize("name", COMMANDS)
def test_unknown_option_points_at_the_usage(name):
    cp = ptutil.run_cli([name, "--no-such-option"], expect_rc=2)
    assert f"policytrack {name}" in cp.stderr and f"policytrack help {name}" in cp.stderr, cp.stderr


def test_unknown_command_and_unknown_help_topic():
    cp = ptutil.run_cli(["frobnicate"], expect_rc=2)
    assert "unknown command 'frobnicate'" in cp.stderr
    cp = ptutil.run_cli(["help", "frobnicate"], expect_rc=2)
    assert "no command 'frobnicate'" in cp.stderr


def test_no_database_is_a_usage_error():
    # Without --database-url or either variable, the commands that need one say so.
    env = {"POLICYTRACK_MIGRATE_DATABASE_URL": None, "POLICYTRACK_DATABASE_URL": None}
    for args in (["migrate"], ["user", "list"], ["audit", "verify"], ["export", "catalogue"]):
        cp = ptutil.run_cli(args, env=env, expect_rc=2)
        assert "no database" in cp.stderr and "--database-url" in cp.stderr, cp.stderr


def test_every_command_prefers_the_migrate_url(migrated_db):
    """README: every command that uses the database connects to
    --database-url, else $POLICYTRACK_MIGRATE_DATABASE_URL, else
    $POLICYTRACK_DATABASE_URL (issue 21, item 5: user, token, export and
    audit read the daemon's URL first)."""
    owner = ptutil.migrate_db_url()
    env = {"POLICYTRACK_MIGRATE_DATABASE_URL": owner,
           "POLICYTRACK_DATABASE_URL": "host=/nonexistent dbname=nothing connect_timeout=1"}
    user = ptutil.make_user(owner, "observer")
    for args in (["user", "list"], ["token", "issue", user, "--ttl", "1h"], ["audit", "verify"],
                 ["export", "document", "ne-ip-2017"]):
        cp = ptutil.run_cli(args, env=env)
        assert cp.returncode == 0, f"{' '.join(args)}: {cp.returncode}\n{cp.stderr}"
