#include "CheckpointModel.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QLocale>
#include <QMap>
#include <QRegularExpression>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "fitbench/run_records.h"

namespace {

struct EpochMetrics {
  std::optional<double> train;
  std::optional<double> validation;
};

// "accuracy" among `values`; nothing when it is missing or not finite.
std::optional<double> accuracyOf(const fitbench::NameValues& values) {
  for (const auto& [name, value] : values)
    if (name == "accuracy" && std::isfinite(value)) return value;
  return std::nullopt;
}

// Epoch records of a run's metrics.jsonl by their "epoch" (0-based); damaged
// lines are left out; a later record of an epoch replaces an earlier.
QMap<int, EpochMetrics> readEpochMetrics(const QString& runDir) {
  QMap<int, EpochMetrics> metrics;
  try {
    fitbench::RunRecordReader reader(fitbench::run_records_path(runDir.toStdString()));
    for (const fitbench::RunRecord& record : reader.read().records)
      if (const auto* epoch = std::get_if<fitbench::EpochRecord>(&record))
        metrics[epoch->epoch] = {accuracyOf(epoch->train), accuracyOf(epoch->validation)};
  } catch (const fitbench::Error&) {
    // Unreadable: the checkpoints are listed without accuracies.
  }
  return metrics;
}

// The file name of config.json's --model-prefix, "" when there is none or the
// file cannot be read.
QString configPrefixName(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  const QByteArray bytes = file.readAll();
  const nlohmann::json config = nlohmann::json::parse(bytes.constBegin(), bytes.constEnd(), nullptr, false);
  if (config.is_discarded() || !config.is_object()) return {};
  const auto prefix = config.find("model-prefix");
  if (prefix == config.end() || !prefix->is_string()) return {};
  return QFileInfo(QString::fromStdString(prefix->get<std::string>())).fileName();
}

// The accuracies of `entries` from `directory`'s metrics.jsonl.
void joinAccuracies(const QString& directory, QVector<CheckpointEntry>& entries) {
  const QDir dir(directory);
  const QMap<int, EpochMetrics> metrics = readEpochMetrics(dir.path());
  const QString runPrefix = configPrefixName(dir.filePath(QStringLiteral("config.json")));
  for (CheckpointEntry& e : entries) {
    const auto m = metrics.constFind(e.epoch - 1);
    const bool joins = (runPrefix.isEmpty() || runPrefix == e.prefixName) && m != metrics.cend();
    e.trainAccuracy = joins ? m->train : std::nullopt;
    e.validationAccuracy = joins ? m->validation : std::nullopt;
  }
}

QString accuracyText(const std::optional<double>& value) {
  return value ? QString::number(*value, 'f', 4) : QString();
}

QVariant accuracyRaw(const std::optional<double>& value) { return value ? QVariant(*value) : QVariant(); }

}  // namespace

QString CheckpointEntry::paramsPath() const {
  return QStringLiteral("%1-%2.params").arg(prefix).arg(epoch, 4, 10, QLatin1Char('0'));
}

QString CheckpointEntry::statesPath() const {
  return QStringLiteral("%1-%2.states").arg(prefix).arg(epoch, 4, 10, QLatin1Char('0'));
}

QString CheckpointEntry::symbolPath() const { return prefix + QStringLiteral("-symbol.json"); }

CheckpointModel::CheckpointModel(QObject* parent) : QAbstractTableModel(parent) {
  m_message = tr("No directory opened. Choose a model-prefix directory.");
}

CheckpointModel::~CheckpointModel() = default;

int CheckpointModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

int CheckpointModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant CheckpointModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const CheckpointEntry& e = m_entries.at(index.row());
  const auto column = static_cast<Column>(index.column());
  if (role == Qt::DisplayRole) {
    switch (column) {
      case PrefixColumn:
        return e.prefixName;
      case EpochColumn:
        return e.epoch;
      case SavedColumn:
        return e.saved.toString(QStringLiteral("yyyy-MM-dd hh:mm:ss"));
      case SizeColumn:
        return QLocale().formattedDataSize(e.size);
      case TrainColumn:
        return accuracyText(e.trainAccuracy);
      case ValidationColumn:
        return accuracyText(e.validationAccuracy);
      case StatesColumn:
        return e.hasStates ? tr("yes") : tr("no");
      case ColumnCount:
        break;
    }
    return {};
  }
  if (role == RawRole) {
    switch (column) {
      case PrefixColumn:
        return e.prefix;
      case EpochColumn:
        return e.epoch;
      case SavedColumn:
        return e.saved;
      case SizeColumn:
        return e.size;
      case TrainColumn:
        return accuracyRaw(e.trainAccuracy);
      case ValidationColumn:
        return accuracyRaw(e.validationAccuracy);
      case StatesColumn:
        return e.hasStates;
      case ColumnCount:
        break;
    }
    return {};
  }
  if (role == Qt::ToolTipRole) return QDir::toNativeSeparators(e.paramsPath());
  if (role == Qt::TextAlignmentRole && column != PrefixColumn)
    return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
  return {};
}

QVariant CheckpointModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= ColumnCount)
    return {};
  switch (static_cast<Column>(section)) {
    case PrefixColumn:
      return tr("Prefix");
    case EpochColumn:
      return tr("Epoch");
    case SavedColumn:
      return tr("Saved");
    case SizeColumn:
      return tr("Size");
    case TrainColumn:
      return tr("Train accuracy");
    case ValidationColumn:
      return tr("Validation accuracy");
    case StatesColumn:
      return tr(".states");
    case ColumnCount:
      break;
  }
  return {};
}

void CheckpointModel::setDirectory(const QString& directory) {
  m_directory = directory;
  refresh();
}

void CheckpointModel::refresh() {
  const quint64 generation = ++m_generation;
  if (m_directory.isEmpty()) {
    applyScan(generation, {{}, {}, tr("No directory opened. Choose a model-prefix directory.")});
    return;
  }
  setLoading(true);
  auto* watcher = new QFutureWatcher<CheckpointScan>(this);
  connect(watcher, &QFutureWatcher<CheckpointScan>::finished, this, [this, watcher, generation] {
    applyScan(generation, watcher->result());
    watcher->deleteLater();
  });
  watcher->setFuture(QtConcurrent::run(&CheckpointModel::scanDirectory, m_directory));
}

void CheckpointModel::refreshAccuracies() {
  // A scan under way may have read metrics.jsonl before the record came: scan again.
  if (m_loading) return refresh();
  if (m_entries.isEmpty()) return;
  const quint64 generation = m_generation;
  auto* watcher = new QFutureWatcher<QVector<CheckpointEntry>>(this);
  connect(watcher, &QFutureWatcher<QVector<CheckpointEntry>>::finished, this, [this, watcher, generation] {
    watcher->deleteLater();
    // A scan started since lists other rows, and reads the accuracies itself.
    if (generation != m_generation) return;
    m_entries = watcher->result();
    emit dataChanged(index(0, TrainColumn), index(rowCount() - 1, ValidationColumn));
  });
  watcher->setFuture(QtConcurrent::run([directory = m_directory, entries = m_entries]() mutable {
    joinAccuracies(directory, entries);
    return entries;
  }));
}

int CheckpointModel::epochCount(const QString& prefix) const {
  return static_cast<int>(std::count_if(m_entries.cbegin(), m_entries.cend(),
                                        [&](const CheckpointEntry& e) { return e.prefix == prefix; }));
}

void CheckpointModel::applyScan(quint64 generation, const CheckpointScan& scan) {
  if (generation != m_generation) return;  // a newer scan is on its way
  beginResetModel();
  m_entries = scan.entries;
  m_message = scan.message;
  endResetModel();
  setLoading(false);
  emit loaded();
}

void CheckpointModel::setLoading(bool loading) {
  if (m_loading == loading) return;
  m_loading = loading;
  emit loadingChanged(loading);
}

CheckpointScan CheckpointModel::scanDirectory(const QString& directory) {
  CheckpointScan scan;
  scan.directory = directory;
  const QFileInfo info(directory);
  if (!info.exists()) {
    scan.message = tr("The directory %1 does not exist.").arg(QDir::toNativeSeparators(directory));
    return scan;
  }
  if (!info.isDir()) {
    scan.message = tr("%1 is not a directory.").arg(QDir::toNativeSeparators(directory));
    return scan;
  }
  const QDir dir(directory);
  if (!info.isReadable()) {
    scan.message = tr("The directory %1 cannot be read.").arg(QDir::toNativeSeparators(directory));
    return scan;
  }
  static const QRegularExpression paramsName(QStringLiteral("^(.+)-(\\d{4,})\\.params$"));
  const QFileInfoList files =
      dir.entryInfoList({QStringLiteral("*.params")}, QDir::Files | QDir::Readable, QDir::Name);
  for (const QFileInfo& file : files) {
    const QRegularExpressionMatch match = paramsName.match(file.fileName());
    if (!match.hasMatch()) continue;
    bool ok = false;
    const int epoch = match.captured(2).toInt(&ok);
    if (!ok) continue;
    CheckpointEntry e;
    e.prefixName = match.captured(1);
    e.prefix = dir.absoluteFilePath(e.prefixName);
    e.epoch = epoch;
    e.saved = file.lastModified();
    e.size = file.size();
    e.hasStates = QFileInfo::exists(e.statesPath());
    scan.entries.push_back(e);
  }
  if (scan.entries.isEmpty()) {
    scan.message =
        tr("No checkpoints in %1 yet (no <prefix>-NNNN.params file).").arg(QDir::toNativeSeparators(directory));
    return scan;
  }
  std::sort(scan.entries.begin(), scan.entries.end(), [](const CheckpointEntry& a, const CheckpointEntry& b) {
    return a.prefixName != b.prefixName ? a.prefixName < b.prefixName : a.epoch < b.epoch;
  });

  joinAccuracies(directory, scan.entries);
  return scan;
}
