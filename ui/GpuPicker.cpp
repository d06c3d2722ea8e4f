// GpuPicker: the device table and the --gpus value; see GpuPicker.h.
#include "GpuPicker.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include "GpuListModel.h"

namespace {
constexpr int kRefreshMs = 3000;
}  // namespace

GpuPicker::GpuPicker(QWidget* parent)
    : QWidget(parent),
      m_model(new GpuListModel(this)),
      m_table(new QTableView(this)),
      m_status(new QLabel(this)),
      m_timer(new QTimer(this)) {
  m_table->setModel(m_model);
  m_table->setObjectName(QStringLiteral("gpuTable"));
  m_table->setSelectionMode(QAbstractItemView::NoSelection);
  m_table->verticalHeader()->hide();
  m_table->horizontalHeader()->setSectionResizeMode(GpuListModel::DeviceColumn, QHeaderView::Stretch);
  m_status->setObjectName(QStringLiteral("gpuStatus"));
  // Why there is no GPU is the message here: wrapped whole in a narrow dock, not elided.
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* refreshButton = new QPushButton(tr("Refresh"), this);
  refreshButton->setObjectName(QStringLiteral("gpuRefresh"));

  auto* top = new QHBoxLayout;
  top->addWidget(m_status, 1);
  top->addWidget(refreshButton, 0, Qt::AlignTop);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(m_table, 1);

  m_timer->setInterval(kRefreshMs);
  connect(m_timer, &QTimer::timeout, this, &GpuPicker::refresh);
  connect(refreshButton, &QPushButton::clicked, this, &GpuPicker::refresh);
  connect(m_model, &GpuListModel::gpusArgumentChanged, this, &GpuPicker::gpusChanged);
  refresh();
}

void GpuPicker::refresh() {
  if (m_live) showInventory(fitbench::query_gpus(), fitbench::gpu_module_status());
}

void GpuPicker::setInventory(const fitbench::GpuInventory& inventory,
                             const fitbench::GpuModuleStatus& module) {
  m_live = false;
  m_timer->stop();
  showInventory(inventory, module);
}

void GpuPicker::showInventory(const fitbench::GpuInventory& inventory,
                              const fitbench::GpuModuleStatus& module) {
  m_model->setDevices(inventory.gpus, module.loaded);
  QStringList lines;
  if (!module.loaded)
    lines << tr("This fitbench trains on the CPU only, which is selected: %1.")
                 .arg(QString::fromStdString(module.reason));
  if (!inventory.reason.empty())
    lines << QString::fromStdString(inventory.reason);
  else if (inventory.gpus.empty() && module.loaded)
    lines << tr("No GPU found; training uses the CPU.");
  if (lines.isEmpty()) lines << tr("Check the GPUs to train on; none checked trains on the CPU.");
  m_status->setText(lines.join(QLatin1Char('\n')));
}

QString GpuPicker::selectedGpus() const { return m_model->gpusArgument(); }

bool GpuPicker::setSelectedGpus(const QString& gpus) { return m_model->setGpusArgument(gpus); }

QString GpuPicker::statusText() const { return m_status->text(); }

void GpuPicker::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (m_live) {
    refresh();
    m_timer->start();
  }
}

void GpuPicker::hideEvent(QHideEvent* event) {
  QWidget::hideEvent(event);
  m_timer->stop();
}
