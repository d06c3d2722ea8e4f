// MonitorModel: the parameter monitor's rows and their history; see MonitorModel.h.
#include "MonitorModel.h"

#include <QBrush>
#include <QColor>

#include <algorithm>
#include <cmath>

namespace {

const QString kGradSuffix = QStringLiteral("_grad");

QString number(double value) { return QString::number(value, 'g', 4); }

}  // namespace

MonitorModel::MonitorModel(QObject* parent) : QAbstractTableModel(parent) {}

int MonitorModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_visible.size());
}

int MonitorModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant MonitorModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const Entry& e = entryAt(index.row());
  const fitbench::MonitorStat& s = e.stat;
  if (role == RawRole) {
    switch (index.column()) {
      case NameColumn:
        return QString::fromStdString(s.name);
      case RmsColumn:
        return s.rms;
      case GradRmsColumn:
        return e.grad ? QVariant(e.grad->rms) : QVariant();
      case UpdateRatioColumn:
        return s.update_ratio >= 0 || std::isnan(s.update_ratio) ? QVariant(s.update_ratio) : QVariant();
      case MinColumn:
        return s.min;
      case MaxColumn:
        return s.max;
      case FiniteColumn:
        return s.finite && (!e.grad || e.grad->finite);
      default:
        return {};
    }
  }
  if (role == Qt::DisplayRole) {
    const QVariant raw = data(index, RawRole);
    if (index.column() == NameColumn) return raw;
    if (index.column() == FiniteColumn) return raw.toBool() ? tr("ok") : tr("NaN/Inf");
    return raw.isValid() ? number(raw.toDouble()) : QString();
  }
  if (role == Qt::TextAlignmentRole && index.column() != NameColumn)
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::ForegroundRole && index.column() == FiniteColumn && !data(index, RawRole).toBool())
    return QBrush(QColor(Qt::red));
  if (role == Qt::ToolTipRole && index.column() == FiniteColumn && !data(index, RawRole).toBool())
    return s.finite ? tr("the gradient holds NaN or Inf") : tr("the values hold NaN or Inf");
  return {};
}

QVariant MonitorModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) return {};
  if (role == Qt::DisplayRole) {
    switch (section) {
      case NameColumn:
        return tr("Name");
      case RmsColumn:
        return tr("RMS");
      case GradRmsColumn:
        return tr("Grad RMS");
      case UpdateRatioColumn:
        return tr("Update/weight");
      case MinColumn:
        return tr("Min");
      case MaxColumn:
        return tr("Max");
      case FiniteColumn:
        return tr("Finite");
      default:
        return {};
    }
  }
  if (role == Qt::ToolTipRole) {
    switch (section) {
      case RmsColumn:
        return tr("norm(x) / sqrt(size), MXNet's Monitor statistic");
      case GradRmsColumn:
        return tr("RMS of the parameter's gradient in this batch");
      case UpdateRatioColumn:
        return tr("norm of this batch's optimizer update / norm of the weight");
      default:
        return {};
    }
  }
  return {};
}

bool MonitorModel::matches(const std::string& name) const {
  return m_pattern.match(QString::fromStdString(name)).hasMatch();
}

void MonitorModel::addSnapshot(const fitbench::MonitorSnapshot& snapshot) {
  m_steps.push_back(snapshot.step);
  const size_t samples = m_steps.size();
  const int oldEntries = static_cast<int>(m_entries.size());
  // Non-gradient arrays first: a gradient joins the row of its parameter.
  for (const auto& s : snapshot.stats) {
    const QString name = QString::fromStdString(s.name);
    if (name.endsWith(kGradSuffix) && m_index.contains(name.chopped(kGradSuffix.size()))) continue;
    auto it = m_index.find(name);
    if (it == m_index.end()) {
      it = m_index.insert(name, static_cast<int>(m_entries.size()));
      Entry fresh;
      fresh.rms.assign(samples - 1, -1.0f);
      fresh.gradRms.assign(samples - 1, -1.0f);
      fresh.ratio.assign(samples - 1, -1.0f);
      m_entries.push_back(std::move(fresh));
    }
    Entry& e = m_entries[static_cast<size_t>(*it)];
    e.stat = s;
    e.rms.push_back(static_cast<float>(s.rms));
    e.ratio.push_back(s.update_ratio >= 0 || std::isnan(s.update_ratio) ? static_cast<float>(s.update_ratio)
                                                                        : -1.0f);
  }
  for (const auto& s : snapshot.stats) {
    const QString name = QString::fromStdString(s.name);
    if (!name.endsWith(kGradSuffix)) continue;
    const auto it = m_index.constFind(name.chopped(kGradSuffix.size()));
    if (it == m_index.constEnd()) continue;
    Entry& e = m_entries[static_cast<size_t>(*it)];
    e.grad = s;
    e.gradRms.resize(samples - 1, -1.0f);
    e.gradRms.push_back(static_cast<float>(s.rms));
  }
  // Arrays this snapshot did not report keep a gap.
  for (Entry& e : m_entries) {
    e.rms.resize(samples, -1.0f);
    e.gradRms.resize(samples, -1.0f);
    e.ratio.resize(samples, -1.0f);
  }

  const int oldRows = rowCount();
  std::vector<int> added;
  for (int i = oldEntries; i < static_cast<int>(m_entries.size()); ++i)
    if (matches(m_entries[static_cast<size_t>(i)].stat.name)) added.push_back(i);
  if (oldRows > 0) emit dataChanged(index(0, 0), index(oldRows - 1, ColumnCount - 1));
  if (!added.empty()) {
    beginInsertRows(QModelIndex(), oldRows, oldRows + static_cast<int>(added.size()) - 1);
    m_visible.insert(m_visible.end(), added.begin(), added.end());
    endInsertRows();
  }
}

void MonitorModel::clear() {
  beginResetModel();
  m_entries.clear();
  m_index.clear();
  m_visible.clear();
  m_steps.clear();
  endResetModel();
}

bool MonitorModel::setPattern(const QString& pattern) {
  const QRegularExpression expression(pattern);
  if (!expression.isValid()) return false;
  beginResetModel();
  m_pattern = expression;
  m_visible.clear();
  for (int i = 0; i < static_cast<int>(m_entries.size()); ++i)
    if (matches(m_entries[static_cast<size_t>(i)].stat.name)) m_visible.push_back(i);
  endResetModel();
  return true;
}

QString MonitorModel::nameAt(int row) const { return QString::fromStdString(entryAt(row).stat.name); }

int MonitorModel::rowOf(const QString& name) const {
  const auto it = m_index.constFind(name);
  if (it == m_index.constEnd()) return -1;
  const auto pos = std::lower_bound(m_visible.begin(), m_visible.end(), *it);
  return pos != m_visible.end() && *pos == *it ? static_cast<int>(pos - m_visible.begin()) : -1;
}

const fitbench::MonitorStat& MonitorModel::statAt(int row) const { return entryAt(row).stat; }

std::optional<fitbench::MonitorStat> MonitorModel::gradStatAt(int row) const { return entryAt(row).grad; }

double MonitorModel::historyValue(int row, int sample, Column column) const {
  const Entry& e = entryAt(row);
  const auto i = static_cast<size_t>(sample);
  switch (column) {
    case RmsColumn:
      return e.rms.at(i);
    case GradRmsColumn:
      return e.gradRms.at(i);
    case UpdateRatioColumn:
      return e.ratio.at(i);
    default:
      return -1.0;
  }
}
