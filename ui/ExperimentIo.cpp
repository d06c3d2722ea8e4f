#include "ExperimentIo.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fitbench/fit.h"

namespace {

QString tr(const char* text) { return QCoreApplication::translate("ExperimentIo", text); }

// nlohmann's messages start with "[json.exception.parse_error.101] ".
QString jsonReason(const nlohmann::json::exception& e) {
  QString what = QString::fromUtf8(e.what());
  if (what.startsWith(QLatin1Char('['))) {
    const qsizetype close = what.indexOf(QStringLiteral("] "));
    if (close > 0) what = what.mid(close + 2);
  }
  return what;
}

QString shown(const QString& path) { return QDir::toNativeSeparators(path); }

}  // namespace

QString ExperimentIo::saveJson(const QString& path, const fitbench::FitArgs& args) {
  const QString prefix = tr("Cannot save the experiment to %1: ").arg(shown(path));
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) return prefix + file.errorString();
  const std::string text = args.to_json().dump(2) + "\n";
  if (file.write(text.data(), static_cast<qint64>(text.size())) != static_cast<qint64>(text.size()))
    return prefix + file.errorString();
  if (!file.commit()) return prefix + file.errorString();
  return {};
}

std::optional<fitbench::FitArgs> ExperimentIo::loadJson(const QString& path, QString* error) {
  const QString prefix = tr("Cannot open the experiment %1: ").arg(shown(path));
  auto fail = [&](const QString& reason) -> std::optional<fitbench::FitArgs> {
    if (error != nullptr) *error = prefix + reason;
    return std::nullopt;
  };
  QFile file(path);
  if (QFileInfo(path).isDir()) return fail(tr("it is a directory"));
  if (!file.open(QIODevice::ReadOnly)) return fail(file.errorString());
  const QByteArray bytes = file.readAll();
  if (file.error() != QFileDevice::NoError) return fail(file.errorString());
  try {
    const nlohmann::json j = nlohmann::json::parse(bytes.constBegin(), bytes.constEnd());
    return fitbench::FitArgs::from_json(j);
  } catch (const nlohmann::json::exception& e) {
    return fail(jsonReason(e));
  } catch (const fitbench::Error& e) {
    return fail(QString::fromUtf8(e.what()));
  }
}

std::optional<fitbench::FitArgs> ExperimentIo::loadRunFolder(const QString& runDir, QString* error) {
  QString reason;
  std::optional<fitbench::FitArgs> args =
      loadJson(QDir(runDir).filePath(QStringLiteral("config.json")), &reason);
  if (!args && error != nullptr)
    *error =
        tr("%1 is not a run folder (one with config.json and metrics.jsonl). %2").arg(shown(runDir), reason);
  return args;
}

fitbench::FitArgs ExperimentIo::parseCommandLine(const QString& line) {
  QString text = line;
  text.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));  // a line pasted from Windows
  const std::vector<std::string> words = fitbench::split_command_line(text.toStdString());
  size_t first = 0;
  const auto isOption = [&](size_t i) { return words[i].size() > 1 && words[i].front() == '-'; };
  while (first < words.size() && !isOption(first)) {
    const QString base = QFileInfo(QString::fromStdString(words[first])).fileName();
    ++first;
    // An interpreter: its own options come before the script.
    if (base.startsWith(QStringLiteral("python"))) {
      for (size_t i = first; i < words.size(); ++i) {
        if (QString::fromStdString(words[i]).endsWith(QStringLiteral(".py"))) {
          first = i + 1;
          break;
        }
      }
    }
  }
  const std::vector<std::string> args(words.begin() + static_cast<std::ptrdiff_t>(first), words.end());
  return fitbench::parse_command_line(args, fitbench::train_mnist_defaults());
}

QString ExperimentIo::commandLine(const fitbench::FitArgs& args, const QString& program) {
  return QString::fromStdString(args.command_line(program.toStdString(), fitbench::train_mnist_defaults()));
}

QStringList ExperimentIo::unwritableArgs(const fitbench::FitArgs& args) {
  const fitbench::FitArgs base = fitbench::train_mnist_defaults();
  QStringList names;
  for (const fitbench::ArgSpec& spec : fitbench::fit_arg_schema()) {
    if (!args.is_set(spec.name) && base.is_set(spec.name)) names << QString::fromStdString(spec.name);
  }
  return names;
}
