// writeStubProgram: a shell script the tests run in place of a real program
// (fitbench-cli, mpirun), so they can see what the application starts and
// steer how it ends.
#pragma once

#include <QByteArray>
#include <QFile>
#include <QString>

// Writes `script` to `path`, executable by its owner; false when it cannot.
inline bool writeStubProgram(const QString& path, const QByteArray& script) {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(script) != script.size()) return false;
  file.close();
  return file.setPermissions(file.permissions() | QFileDevice::ExeOwner);
}
