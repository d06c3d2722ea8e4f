#include "RunOverlay.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>

std::optional<RunOverlay> RunOverlay::load(const QString& runDir, QString* error) {
  const QDir dir(runDir);
  const QString metricsPath = dir.filePath(QStringLiteral("metrics.jsonl"));
  QFile file(metricsPath);
  if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
    *error = QObject::tr(
                 "Cannot read %1: %2. Choose a run directory that fitbench wrote (it holds config.json, "
                 "log.txt and metrics.jsonl).")
                 .arg(metricsPath, file.errorString());
    return std::nullopt;
  }
  RunOverlay overlay;
  overlay.m_directory = dir.absolutePath();
  int lineNumber = 0;
  while (!file.atEnd()) {
    const QByteArray line = file.readLine().trimmed();
    ++lineNumber;
    if (line.isEmpty()) continue;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
    if (!doc.isObject()) {
      *error = QObject::tr("%1, line %2: not a JSON record (%3)")
                   .arg(metricsPath)
                   .arg(lineNumber)
                   .arg(parseError.error == QJsonParseError::NoError ? QObject::tr("not an object")
                                                                     : parseError.errorString());
      return std::nullopt;
    }
    const QJsonObject record = doc.object();
    const QString type = record.value(QStringLiteral("type")).toString();
    const double iteration = record.value(QStringLiteral("num_update")).toDouble();
    if (type == QStringLiteral("batch")) {
      overlay.m_metrics.addBatch(iteration, record.value(QStringLiteral("loss")).toDouble(qQNaN()),
                                 record.value(QStringLiteral("lr")).toDouble(),
                                 record.value(QStringLiteral("samples_per_sec")).toDouble());
    } else if (type == QStringLiteral("epoch")) {
      overlay.m_metrics.addEpoch(record.value(QStringLiteral("epoch")).toInt(), iteration,
                                 RunMetrics::nameValues(record.value(QStringLiteral("train"))),
                                 RunMetrics::nameValues(record.value(QStringLiteral("validation"))));
    }
  }
  if (overlay.m_metrics.isEmpty()) {
    *error = QObject::tr("%1 holds no batch or epoch records yet").arg(metricsPath);
    return std::nullopt;
  }
  overlay.m_label = QFileInfo(overlay.m_directory).fileName();
  QFile config(dir.filePath(QStringLiteral("config.json")));
  if (config.open(QIODevice::ReadOnly)) {
    const QString network =
        QJsonDocument::fromJson(config.readAll()).object().value(QStringLiteral("network")).toString();
    if (!network.isEmpty() && !overlay.m_label.contains(network))
      overlay.m_label += QStringLiteral(" (") + network + QLatin1Char(')');
  }
  return overlay;
}
