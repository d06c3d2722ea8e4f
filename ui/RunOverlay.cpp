#include "RunOverlay.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>

#include "fitbench/run_records.h"

std::optional<RunOverlay> RunOverlay::load(const QString& runDir, QString* error) {
  const QDir dir(runDir);
  const QString metricsPath = dir.filePath(QStringLiteral("metrics.jsonl"));
  fitbench::RunRecordReader::Result records;
  try {
    records = fitbench::read_run_records(metricsPath.toStdString());
  } catch (const fitbench::Error& e) {
    *error = QObject::tr(
                 "%1. Choose a run directory that fitbench wrote (it holds config.json, log.txt and metrics.jsonl).")
                 .arg(QString::fromStdString(e.what()));
    return std::nullopt;
  }
  if (!records.errors.empty()) {
    *error = QString::fromStdString(records.errors.front());
    return std::nullopt;
  }
  RunOverlay overlay;
  overlay.m_directory = dir.absolutePath();
  for (const fitbench::RunRecord& record : records.records) overlay.m_metrics.add(record);
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
