package dev.remediator.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code remediator completion}: the script bash runs completes commands, options and option values. */
class CompletionCommandTest {
  @TempDir Path dir;

  @Test
  void bashCompletesCommandsOptionsAndValues() throws Exception {
    InitCommandTest.Run r = InitCommandTest.run("completion", "bash");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("complete -F _complete_remediator");
    Path script = Files.writeString(dir.resolve("remediator-completion.bash"), r.out());

    assertThat(complete(script, "remediator", "ap")).isEqualTo("approve");
    assertThat(complete(script, "remediator", "in")).contains("incidents", "init");
    assertThat(complete(script, "remediator", "show", "--w")).isEqualTo("--watch");
    assertThat(complete(script, "remediator", "show", "-o", "")).contains("text", "json");
    assertThat(complete(script, "remediator", "completion", "")).contains("bash", "zsh");
  }

  @Test
  void zshGetsTheSameScriptWhichSetsItselfUpThroughBashcompinit() {
    InitCommandTest.Run zsh = InitCommandTest.run("completion", "zsh");
    assertThat(zsh.exit()).isZero();
    assertThat(zsh.out()).isEqualTo(InitCommandTest.run("completion").out()).contains("bashcompinit");
  }

  /** Runs the completion function in a real bash, as the shell does on TAB, and returns COMPREPLY. */
  private static String complete(Path script, String... words) throws Exception {
    StringBuilder array = new StringBuilder();
    for (String w : words) {
      array.append('\'').append(w).append("' ");
    }
    // compopt only works inside a real TAB completion; here it is a no-op.
    String cmd = "source '" + script + "'; compopt() { :; }; COMP_WORDS=(" + array + "); COMP_CWORD=" + (words.length - 1)
        + "; COMP_LINE='" + String.join(" ", words) + "'; COMP_POINT=${#COMP_LINE}; _complete_remediator;"
        + " printf '%s\\n' \"${COMPREPLY[@]}\" | sort | tr '\\n' ' '";
    Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }
}
