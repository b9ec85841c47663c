#pragma once
/// One bash for the examples of a page: in a temp dir with a copy of profiles/, HOME and XDG_*
/// inside it and the bridge under test first on PATH, writing to a pseudo-terminal as a
/// user's shell does (bridge logs as text on a terminal, as JSON to a pipe). Commands run one
/// at a time; what they start in the background lives until the shell is destroyed.

#include "temp_dir.hpp"

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>

namespace bridge::test::docs {

using Millis = std::chrono::milliseconds;

class DocShell {
 public:
  /// Starts bash in a fresh temp dir; `source_dir` is the repository (for profiles/).
  /// Throws when bash cannot start.
  explicit DocShell(const std::string& source_dir);
  /// Ends bash and every process of its session (SIGTERM, then SIGKILL after 5 s).
  ~DocShell();
  DocShell(const DocShell&) = delete;
  DocShell& operator=(const DocShell&) = delete;

  enum class End {
    Exited,       // the command finished by itself
    Interrupted,  // it showed everything the page shows, kept running and got a Ctrl-C
    TimedOut,     // it ran past the time limit and was killed
    ShellGone,    // bash itself exited or hung; the shell is unusable
  };
  struct Outcome {
    std::string output;  // stdout and stderr as the terminal showed them
    int status = -1;
    End end = End::Exited;
  };

  /// Runs `command` (bash source text, stdin the terminal, where nothing is typed). While it runs,
  /// `shows_all(output)` says whether the output so far is all the page shows; a command still
  /// running then, and quiet for a while, is interrupted with SIGINT as a user would with Ctrl-C
  /// (what it prints after that is dropped). A command that starts a background job returns once
  /// the job is idle, with what the job printed by then.
  Outcome run(const std::string& command, Millis limit,
              const std::function<bool(const std::string&)>& shows_all);

  /// The shell's HOME, also its working directory.
  const std::string& home() const { return home_; }
  bool alive() const { return shell_ > 0; }

 private:
  void start(const std::string& source_dir);
  /// Appends what the terminal has within `wait`: bytes read, 0 for none, -1 once closed.
  long read_some(std::string& into, Millis wait);
  /// True once `buffer` holds the line bash prints after a command ("MARKER STATUS JOB"):
  /// cuts it (and what follows, kept for the next command) off `buffer`.
  bool ended(std::string& buffer, int& status, pid_t& job);
  /// Waits until the background job `job` is idle, appending what it prints to `output`.
  void settle(pid_t job, std::string& output);
  void stop();

  TempDir root_;
  std::string home_;
  std::string marker_;
  std::string pending_;  // read past the last marker: what background jobs printed since
  int master_ = -1;      // the terminal's master side: everything the shell's session prints
  int commands_ = -1;    // the shell's stdin: `source FILE` lines
  pid_t shell_ = -1;     // bash until reaped
  pid_t session_ = -1;   // bash's pid: the session of everything the commands started
  pid_t last_job_ = 0;
  int count_ = 0;
};

}  // namespace bridge::test::docs
