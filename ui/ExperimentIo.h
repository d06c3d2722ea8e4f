// ExperimentIo: an experiment's arguments to and from files and command lines.
//
// An experiment file is FitArgs::to_json(): one key per argument, the same
// form as a run directory's config.json, so a run's config.json opens as an
// experiment too. Files are written through QSaveFile (a temporary file
// renamed into place). Errors come back as one line that names the file and
// the reason; the caller shows it.
#pragma once

#include <QString>
#include <QStringList>

#include <optional>

#include "fitbench/fit_args.h"

class ExperimentIo {
 public:
  // Writes `args` to `path`; returns "" on success, else the error.
  static QString saveJson(const QString& path, const fitbench::FitArgs& args);
  // Reads an experiment file; on failure returns nullopt and sets *error.
  static std::optional<fitbench::FitArgs> loadJson(const QString& path, QString* error);
  // The arguments of the run in the folder `runDir` (its config.json); on
  // failure, nullopt and *error says the folder is not a run folder, and why.
  static std::optional<fitbench::FitArgs> loadRunFolder(const QString& runDir, QString* error);

  // Parses a fit.py / train_mnist.py / fitbench-cli command line as
  // fitbench-cli does (on top of train_mnist.py's defaults). Leading words
  // that are not options are skipped: environment settings (OMP_NUM_THREADS=1),
  // a program ("fitbench-cli", "build/app/fitbench-cli") or an interpreter
  // with its script ("python3 -u train_mnist.py"). Backslash-newline
  // continuations are joined. Throws fitbench::ArgError with one line.
  static fitbench::FitArgs parseCommandLine(const QString& line);

  // The fitbench-cli command line that runs `args`: the arguments that differ
  // from fitbench-cli's own defaults (train_mnist.py's, not the schema's, so
  // FitArgs::command_line() would leave out e.g. --batch-size 128), in schema
  // order, shell-quoted as Python's shlex.quote does. parseCommandLine() of it
  // gives `args` back, except for unwritableArgs().
  static QString commandLine(const fitbench::FitArgs& args,
                             const QString& program = QStringLiteral("fitbench-cli"));
  // Arguments that are None in `args` but not in fitbench-cli's defaults: a
  // command line cannot say None, so commandLine() leaves them at the default.
  static QStringList unwritableArgs(const fitbench::FitArgs& args);
};
