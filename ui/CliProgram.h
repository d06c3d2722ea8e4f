// CliProgram: fitbench-cli, which the application starts for work outside
// its own process: mpirun's workers (ProcessTrainer) and the queue's runners
// on several GPUs (QueueRunnerProcess). The package and the build put it next
// to the fitbench application.
#pragma once

#include <QCoreApplication>
#include <QString>

class CliProgram {
  Q_DECLARE_TR_FUNCTIONS(CliProgram)

 public:
  // fitbench-cli in the running application's folder.
  static QString besideApplication();
  // "" when `path` can be run; otherwise a sentence that names it and says where it comes from.
  static QString problem(const QString& path);
};
