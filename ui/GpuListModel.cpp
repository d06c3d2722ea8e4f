// GpuListModel: the CPU and the GPUs as checkable rows; see GpuListModel.h.
#include "GpuListModel.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

#include <algorithm>

namespace {

QString bytes(int64_t value) {
  return QLocale().formattedDataSize(value, 1, QLocale::DataSizeTraditionalFormat);
}

}  // namespace

GpuListModel::GpuListModel(QObject* parent) : QAbstractTableModel(parent) {}

int GpuListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : 1 + static_cast<int>(m_gpus.size());
}

int GpuListModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant GpuListModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  if (index.row() == 0) {
    if (role == Qt::DisplayRole && index.column() == DeviceColumn) return tr("CPU");
    if (role == Qt::CheckStateRole && index.column() == DeviceColumn)
      return m_selected.isEmpty() ? Qt::Checked : Qt::Unchecked;
    if (role == Qt::ToolTipRole) return tr("Train on the CPU (no --gpus)");
    return {};
  }
  const fitbench::GpuInfo& gpu = m_gpus[static_cast<size_t>(index.row() - 1)];
  // GPUs this build cannot train on show no check box and gray text.
  if (role == Qt::CheckStateRole && index.column() == DeviceColumn && m_selectable)
    return m_selected.contains(gpu.index) ? Qt::Checked : Qt::Unchecked;
  if (role == Qt::ForegroundRole && !m_selectable) return QBrush(QColor(Qt::gray));
  if (role == Qt::TextAlignmentRole && index.column() != DeviceColumn)
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::ToolTipRole && !m_selectable) return tr("This fitbench trains on the CPU only: its GPU module is not loaded");
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case DeviceColumn:
      return tr("GPU %1: %2").arg(gpu.index).arg(QString::fromStdString(gpu.name));
    case TotalMemoryColumn:
      return gpu.total_bytes > 0 ? bytes(gpu.total_bytes) : QString();
    case FreeMemoryColumn:
      return gpu.total_bytes > 0 ? bytes(gpu.free_bytes) : QString();
    case UtilizationColumn:
      return gpu.utilization_percent >= 0 ? tr("%1 %").arg(gpu.utilization_percent) : QString();
    case TemperatureColumn:
      return gpu.temperature_celsius >= 0 ? tr("%1 °C").arg(gpu.temperature_celsius) : QString();
    default:
      return {};
  }
}

QVariant GpuListModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case DeviceColumn:
      return tr("Device");
    case TotalMemoryColumn:
      return tr("Memory");
    case FreeMemoryColumn:
      return tr("Free");
    case UtilizationColumn:
      return tr("Utilization");
    case TemperatureColumn:
      return tr("Temperature");
    default:
      return {};
  }
}

Qt::ItemFlags GpuListModel::flags(const QModelIndex& index) const {
  // Views ask about the invalid (root) index too: it has no flags.
  if (!index.isValid() || !checkIndex(index, CheckIndexOption::ParentIsInvalid)) return Qt::NoItemFlags;
  Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren;
  if (index.column() == DeviceColumn && (index.row() == 0 || m_selectable)) f |= Qt::ItemIsUserCheckable;
  return f;
}

bool GpuListModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (role != Qt::CheckStateRole || !(flags(index) & Qt::ItemIsUserCheckable)) return false;
  const bool checked = value.value<Qt::CheckState>() == Qt::Checked;
  if (index.row() == 0) {
    // Checking the CPU clears the GPUs; the CPU cannot be unchecked by itself
    // (it is what no selection means).
    if (checked) setSelection({});
    return checked;
  }
  QSet<int> selected = m_selected;
  const int gpu = m_gpus[static_cast<size_t>(index.row() - 1)].index;
  if (checked)
    selected.insert(gpu);
  else
    selected.remove(gpu);
  setSelection(selected);
  return true;
}

void GpuListModel::setDevices(const std::vector<fitbench::GpuInfo>& gpus, bool selectable) {
  QSet<int> kept;
  if (selectable)
    for (const auto& gpu : gpus)
      if (m_selected.contains(gpu.index)) kept.insert(gpu.index);
  const QString before = gpusArgument();
  beginResetModel();
  m_gpus = gpus;
  m_selectable = selectable;
  m_selected = kept;
  endResetModel();
  if (gpusArgument() != before) emit gpusArgumentChanged(gpusArgument());
}

QString GpuListModel::gpusArgument() const {
  QList<int> ids = m_selected.values();
  std::sort(ids.begin(), ids.end());
  QStringList parts;
  for (int id : ids) parts << QString::number(id);
  return parts.join(QLatin1Char(','));
}

bool GpuListModel::setGpusArgument(const QString& gpus) {
  QSet<int> selected;
  const QString text = gpus.trimmed();
  if (!text.isEmpty()) {
    for (const QString& part : text.split(QLatin1Char(','))) {
      bool ok = false;
      const int id = part.trimmed().toInt(&ok);
      const bool listed =
          std::any_of(m_gpus.begin(), m_gpus.end(), [&](const auto& g) { return g.index == id; });
      if (!ok || !listed || !m_selectable) return false;
      selected.insert(id);
    }
  }
  setSelection(selected);
  return true;
}

void GpuListModel::setSelection(const QSet<int>& selected) {
  if (selected == m_selected) return;
  m_selected = selected;
  emit dataChanged(index(0, DeviceColumn), index(rowCount() - 1, DeviceColumn), {Qt::CheckStateRole});
  emit gpusArgumentChanged(gpusArgument());
}
