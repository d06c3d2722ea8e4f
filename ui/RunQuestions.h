// RunQuestions: the message boxes that ask before training is lost or saved
// checkpoints are overwritten. Closing the window during a run offers to stop
// and save a checkpoint of the epoch so far (where the run can), to keep
// training, or to quit without saving; a Start that would write over saved
// files lists them (overwriteOf()) and offers to branch into a new prefix
// instead (confirmOverwrites()). MainWindow asks through its virtual
// askCloseDuringRun() and askOverwrite(), which the tests override to answer.
#pragma once

#include <QCoreApplication>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>
#include <string>

#include "fitbench/fit_args.h"

class QWidget;

class RunQuestions {
  Q_DECLARE_TR_FUNCTIONS(RunQuestions)

 public:
  enum class CloseChoice { StopAndSave, KeepTraining, QuitWithoutSaving };
  enum class OverwriteChoice { Branch, Overwrite, Cancel };

  // The run that closing would end.
  struct RunToClose {
    bool canSave = false;               // Stop and save is offered
    bool savesOnlyAtEpochEnds = false;  // worker processes, which cannot save in the middle of an epoch
    bool paused = false;
    int epoch = 0;  // in progress, 0-based
    int numEpochs = 0;
    std::string modelPrefix;  // names the file Stop and save writes
  };
  static CloseChoice askClose(QWidget* parent, const RunToClose& run);
  // What a Start of some arguments would write over, and the branch offered instead.
  struct Overwrite {
    QStringList files;         // native separators
    fitbench::FitArgs branch;  // CheckpointBrowser::branchArguments()
    QString branchPrefix;      // the branch's --model-prefix, native separators
  };
  // nullopt when a Start of `args` writes over no saved file. Throws
  // fitbench::ArgError when no new prefix can be chosen for the branch.
  static std::optional<Overwrite> overwriteOf(const fitbench::FitArgs& args);
  // Asks before a run writes over `files`; Branch would save under `branchPrefix` instead.
  static OverwriteChoice askOverwrite(QWidget* parent, const QStringList& files, const QString& branchPrefix);
  using AskOverwrite = std::function<OverwriteChoice(const QStringList& files, const QString& branchPrefix)>;
  // What a Start of `args` may train: `args` when they write over no saved
  // file or `ask` answers Overwrite, the branch when it answers Branch;
  // nullopt when it answers Cancel, or when no new prefix can be chosen (a
  // warning over `parent` says why).
  static std::optional<fitbench::FitArgs> confirmOverwrites(QWidget* parent, const fitbench::FitArgs& args,
                                                            const AskOverwrite& ask);
};
