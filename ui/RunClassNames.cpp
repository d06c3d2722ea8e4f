// RunClassNames: finding and reading a run's synset.txt.
#include "RunClassNames.h"

#include <QDir>
#include <QFileInfo>
#include <QObject>

#include <exception>

#include "fitbench/evaluate.h"

namespace {

// The directory a data argument names, or the one holding its file (.rec).
QString dataDirectory(const std::string& path) {
  if (path.empty()) return {};
  const QFileInfo info(QString::fromStdString(path));
  return info.isDir() ? info.absoluteFilePath() : info.absolutePath();
}

}  // namespace

RunClassNames RunClassNames::find(const QString& runDir, const fitbench::FitConfig& config) {
  RunClassNames result;
  const QStringList dirs{runDir, dataDirectory(config.data_val), dataDirectory(config.data_train)};
  for (const QString& dir : dirs) {
    if (dir.isEmpty()) continue;
    const QString path = QDir(dir).filePath(QStringLiteral("synset.txt"));
    if (!QFileInfo::exists(path)) continue;
    try {
      for (const auto& name : fitbench::load_synset(path.toStdString())) result.m_names << QString::fromStdString(name);
      result.m_source = QObject::tr("class names from %1").arg(QDir::toNativeSeparators(path));
    } catch (const std::exception& e) {
      result.m_source = QObject::tr("classes by number (%1)").arg(QString::fromUtf8(e.what()));
    }
    return result;
  }
  for (const std::string& name : config.default_class_names()) result.m_names << QString::fromStdString(name);
  result.m_source = result.m_names.isEmpty()
                        ? QObject::tr("classes by number (no synset.txt in the run or data directory)")
                        : QObject::tr("Fashion-MNIST's class names (the default data)");
  return result;
}

QString RunClassNames::label(int c) const {
  if (c >= 0 && c < m_names.size()) return QStringLiteral("%1 %2").arg(c).arg(m_names.at(c));
  return QString::number(c);
}
