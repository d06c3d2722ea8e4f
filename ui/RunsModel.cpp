#include "RunsModel.h"

#include <QBrush>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QPalette>

#include "Duration.h"

#include <cmath>
#include <limits>

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

// A run without a value sorts as the lowest number: last when sorting
// best-first (descending), the usual order for accuracy and speed.
constexpr double kMissing = -std::numeric_limits<double>::max();

QString changedTooltip(const fitbench::RunSummary& run) {
  QStringList lines;
  for (const std::string& name : fitbench::changed_arguments(run.args)) {
    const auto value = run.args.raw(name);
    lines << QStringLiteral("--%1 %2").arg(qs(name), value ? qs(*value) : QStringLiteral("None"));
  }
  return lines.join(QLatin1Char('\n'));
}

}  // namespace

QString RunsModel::changedArgumentsText(const fitbench::FitArgs& args) {
  QStringList parts;
  for (const std::string& name : fitbench::changed_arguments(args)) {
    // The network has a column of its own; the data paths are long (the tooltip has them).
    if (name == "network" || name == "data-train" || name == "data-val") continue;
    const auto value = args.raw(name);
    parts << QStringLiteral("%1=%2").arg(qs(name), value ? qs(*value) : QStringLiteral("None"));
  }
  return parts.join(QLatin1Char(' '));
}

RunsModel::RunsModel(QObject* parent) : QAbstractTableModel(parent) {}

int RunsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : m_runs.size(); }

int RunsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString RunsModel::statusText(fitbench::RunStatus status) {
  switch (status) {
    case fitbench::RunStatus::Running: return tr("running");
    case fitbench::RunStatus::Finished: return tr("finished");
    case fitbench::RunStatus::Stopped: return tr("stopped");
    case fitbench::RunStatus::Diverged: return tr("diverged");
    case fitbench::RunStatus::Failed: return tr("failed");
    case fitbench::RunStatus::Interrupted: return tr("interrupted");
  }
  return {};
}

QVariant RunsModel::display(const fitbench::RunSummary& run, int column) const {
  switch (column) {
    case NameColumn: return qs(run.name);
    case StatusColumn: return statusText(run.status);
    case NetworkColumn: return qs(run.network);
    case ChangedColumn: return changedArgumentsText(run.args);
    case EpochsColumn: return QStringLiteral("%1 / %2").arg(run.epochs_done).arg(run.num_epochs);
    case BestAccuracyColumn: return run.best_accuracy ? QString::number(*run.best_accuracy, 'f', 4) : QString();
    // As the checkpoint table numbers it: the end of MXNet's Epoch[N] saves file N + 1.
    case BestEpochColumn: return run.best_epoch >= 0 ? QString::number(run.best_epoch + 1) : QString();
    case LastLossColumn: return std::isfinite(run.last_loss) ? QString::number(run.last_loss, 'g', 4) : QString();
    case SpeedColumn: return std::isfinite(run.samples_per_sec) ? QString::number(run.samples_per_sec, 'f', 0) : QString();
    case WallTimeColumn: return formatDuration(run.wall_seconds);
    case ParentColumn:
      return run.parent_dir.empty()
                 ? QString()
                 : tr("%1 @ epoch %2").arg(QFileInfo(qs(run.parent_dir)).fileName()).arg(run.parent_epoch);
    case TagsColumn: {
      QStringList tags;
      for (const std::string& t : run.notes.tags) tags << qs(t);
      return tags.join(QStringLiteral(", "));
    }
    case StartedColumn:
      return run.started > 0 ? QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(run.started * 1000))
                                   .toString(QStringLiteral("yyyy-MM-dd HH:mm"))
                             : QString();
  }
  return {};
}

QVariant RunsModel::sortKey(const fitbench::RunSummary& run, int column) const {
  switch (column) {
    case StatusColumn: return static_cast<int>(run.status);
    case EpochsColumn: return run.epochs_done;
    case BestAccuracyColumn: return run.best_accuracy.value_or(kMissing);
    case BestEpochColumn: return run.best_epoch;
    case LastLossColumn: return std::isfinite(run.last_loss) ? run.last_loss : kMissing;
    case SpeedColumn: return std::isfinite(run.samples_per_sec) ? run.samples_per_sec : kMissing;
    case WallTimeColumn: return run.wall_seconds;
    case StartedColumn: return run.started;
    default: return display(run, column).toString().toLower();
  }
}

QVariant RunsModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= m_runs.size()) return {};
  const fitbench::RunSummary& run = m_runs[index.row()];
  switch (role) {
    case Qt::DisplayRole: return display(run, index.column());
    case SortRole: return sortKey(run, index.column());
    case DirRole: return qs(run.dir);
    case Qt::ToolTipRole:
      if (index.column() == ChangedColumn) return changedTooltip(run);
      if (index.column() == StatusColumn && !run.message.empty()) return qs(run.message);
      if (index.column() == NameColumn) {
        QString tip = QDir::toNativeSeparators(qs(run.dir));
        if (!run.notes.note.empty()) tip += QLatin1Char('\n') + qs(run.notes.note);
        for (const std::string& e : run.record_errors) tip += QLatin1Char('\n') + qs(e);
        if (!run.notes_error.empty()) tip += QLatin1Char('\n') + qs(run.notes_error);
        return tip;
      }
      return {};
    case Qt::ForegroundRole:
      if (run.notes.archived) return QGuiApplication::palette().brush(QPalette::Disabled, QPalette::Text);
      if (index.column() == StatusColumn &&
          (run.status == fitbench::RunStatus::Failed || run.status == fitbench::RunStatus::Diverged))
        return QBrush(QColor(0xc0, 0x30, 0x30));
      return {};
    case Qt::TextAlignmentRole:
      if (index.column() >= EpochsColumn && index.column() <= WallTimeColumn)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
      return {};
    default: return {};
  }
}

QVariant RunsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case NameColumn: return tr("Name");
    case StatusColumn: return tr("Status");
    case NetworkColumn: return tr("Network");
    case ChangedColumn: return tr("Changed arguments");
    case EpochsColumn: return tr("Epochs");
    case BestAccuracyColumn: return tr("Best accuracy");
    case BestEpochColumn: return tr("Best epoch");
    case LastLossColumn: return tr("Last loss");
    case SpeedColumn: return tr("Samples/s");
    case WallTimeColumn: return tr("Wall time");
    case ParentColumn: return tr("Parent");
    case TagsColumn: return tr("Tags");
    case StartedColumn: return tr("Started");
  }
  return {};
}

void RunsModel::update(const QVector<fitbench::RunSummary>& runs) {
  QVector<fitbench::RunSummary> added;
  for (const fitbench::RunSummary& run : runs) {
    const auto it = m_rowOf.constFind(qs(run.dir));
    if (it == m_rowOf.constEnd()) {
      added.append(run);
      continue;
    }
    m_runs[*it] = run;
    emit dataChanged(index(*it, 0), index(*it, ColumnCount - 1));
  }
  if (added.isEmpty()) return;
  beginInsertRows({}, m_runs.size(), m_runs.size() + added.size() - 1);
  m_runs += added;
  reindex();
  endInsertRows();
}

void RunsModel::remove(const QStringList& dirs) {
  for (const QString& dir : dirs) {
    const auto it = m_rowOf.constFind(dir);
    if (it == m_rowOf.constEnd()) continue;
    const int row = *it;
    beginRemoveRows({}, row, row);
    m_runs.remove(row);
    reindex();
    endRemoveRows();
  }
}

void RunsModel::clear() {
  beginResetModel();
  m_runs.clear();
  m_rowOf.clear();
  endResetModel();
}

const fitbench::RunSummary* RunsModel::run(int row) const {
  return row >= 0 && row < m_runs.size() ? &m_runs[row] : nullptr;
}

const fitbench::RunSummary* RunsModel::find(const QString& dir) const {
  const auto it = m_rowOf.constFind(dir);
  return it == m_rowOf.constEnd() ? nullptr : &m_runs[*it];
}

std::vector<const fitbench::RunSummary*> RunsModel::runs() const {
  std::vector<const fitbench::RunSummary*> all;
  for (const fitbench::RunSummary& run : m_runs) all.push_back(&run);
  return all;
}

void RunsModel::reindex() {
  m_rowOf.clear();
  for (int i = 0; i < m_runs.size(); ++i) m_rowOf.insert(qs(m_runs[i].dir), i);
}
