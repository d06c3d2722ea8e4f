#include "CliProgram.h"

#include <QDir>
#include <QFileInfo>

QString CliProgram::besideApplication() {
  return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("fitbench-cli"));
}

QString CliProgram::problem(const QString& path) {
  if (QFileInfo(path).isExecutable()) return {};
  return tr("The program %1 is missing: it is fitbench-cli, installed next to the fitbench application "
            "(build the fitbench-cli target).")
      .arg(QDir::toNativeSeparators(path));
}
