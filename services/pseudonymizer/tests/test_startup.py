"""The pseudonymizer refuses to start without its key, and says why without showing a secret."""
import os
import subprocess
import sys


def serve(env_changes, tmp_path):
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "RARELOG_HOME": str(tmp_path),
           "RARELOG_HEALTH_PORT": "0", **env_changes}
    return subprocess.run([sys.executable, "-m", "rarelog", "serve", "pseudonymizer"], env=env,
                          capture_output=True, text=True, timeout=60)


def test_missing_key_file_stops_the_service_with_a_clear_message(tmp_path):
    result = serve({"RARELOG_PSEUDONYM_KEY_FILE": str(tmp_path / "absent.key")}, tmp_path)
    assert result.returncode == 2
    assert "pseudonymisation key file" in result.stderr and "does not exist" in result.stderr


def test_short_key_is_refused_and_never_printed(tmp_path):
    key = tmp_path / "short.key"
    key.write_text("deadbeefcafe")
    result = serve({"RARELOG_PSEUDONYM_KEY_FILE": str(key)}, tmp_path)
    assert result.returncode == 2
    assert "shorter than 32 bytes" in result.stderr
    assert "deadbeefcafe" not in result.stderr + result.stdout
