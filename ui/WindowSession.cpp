#include "WindowSession.h"

#include <QMainWindow>
#include <QSettings>

#include <exception>

#include <nlohmann/json.hpp>

#include "RunControlBar.h"

namespace {

const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
const QString kExperiment = QStringLiteral("experiment/last");
const QString kProcesses = QStringLiteral("run/processes");
const QString kHostfile = QStringLiteral("run/hostfile");

}  // namespace

void WindowSession::save(const QMainWindow& window, const fitbench::FitArgs& experiment,
                         const RunControlBar& runBar) {
  QSettings settings;
  settings.setValue(kGeometry, window.saveGeometry());
  settings.setValue(kState, window.saveState());
  settings.setValue(kExperiment, QString::fromStdString(experiment.to_json().dump()));
  settings.setValue(kProcesses, runBar.processes());
  settings.setValue(kHostfile, runBar.hostfile());
}

std::optional<fitbench::FitArgs> WindowSession::restore(QMainWindow& window, RunControlBar& runBar,
                                                        QString* error) {
  const QSettings settings;
  window.restoreGeometry(settings.value(kGeometry).toByteArray());
  window.restoreState(settings.value(kState).toByteArray());
  runBar.setProcesses(settings.value(kProcesses, 1).toInt());
  runBar.setHostfile(settings.value(kHostfile).toString());
  const QString last = settings.value(kExperiment).toString();
  if (last.isEmpty()) return std::nullopt;
  try {
    return fitbench::FitArgs::from_json(nlohmann::json::parse(last.toStdString()));
  } catch (const std::exception& e) {
    *error = QString::fromUtf8(e.what());
    return std::nullopt;
  }
}
