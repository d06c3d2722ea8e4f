#include "MemoryEstimateLabel.h"

#include <QFutureWatcher>
#include <QLocale>
#include <QtConcurrent/QtConcurrentRun>

#include <exception>

namespace {

// A form that changes with every keystroke is checked once it rests this long.
constexpr int kSettleMs = 300;

QString bytes(int64_t n) { return QLocale().formattedDataSize(n, 1, QLocale::DataSizeTraditionalFormat); }

}  // namespace

MemoryEstimateLabel::MemoryEstimateLabel(QWidget* parent) : QLabel(parent) {
  setObjectName(QStringLiteral("memoryEstimateLabel"));
  m_timer.setSingleShot(true);
  m_timer.setInterval(kSettleMs);
  connect(&m_timer, &QTimer::timeout, this, &MemoryEstimateLabel::start);
}

void MemoryEstimateLabel::setConfig(const fitbench::FitConfig& config, int processes) {
  m_config = config;
  m_processes = std::max(1, processes);
  ++m_generation;
  m_timer.start();
}

void MemoryEstimateLabel::start() {
  if (!m_config) return;
  m_running = true;
  const quint64 generation = m_generation;
  const int processes = m_processes;
  auto* watcher = new QFutureWatcher<Outcome>(this);
  connect(watcher, &QFutureWatcher<Outcome>::finished, this, [this, watcher, generation] {
    watcher->deleteLater();
    if (generation != m_generation) return;  // the form changed meanwhile; its check is on the way
    m_running = false;
    const Outcome outcome = watcher->result();
    m_doesNotFit = outcome.doesNotFit;
    setText(outcome.text);
    setToolTip(outcome.toolTip);
    setStyleSheet(outcome.doesNotFit ? QStringLiteral("color: #b00020;") : QString());
    emit checked();
  });
  watcher->setFuture(QtConcurrent::run([config = *m_config, processes] {
    try {
      // As the application runs it: pausing on non-finite values keeps a copy to roll back to.
      fitbench::FitOptions options;
      options.pause_on_nonfinite = true;
      return describe(fitbench::check_fit_memory(config, options), processes);
    } catch (const std::exception& e) {
      return Outcome{tr("Memory: not known"), tr("No estimate: %1").arg(QString::fromUtf8(e.what())), false};
    }
  }));
}

MemoryEstimateLabel::Outcome MemoryEstimateLabel::describe(const fitbench::MemoryCheck& check, int processes) {
  const fitbench::MemoryEstimate& e = check.estimate;
  // Main memory, for every worker process on this machine, then each GPU.
  const int64_t host = e.host.total() * processes;
  QStringList parts;
  QString main = processes > 1 ? tr("%1 × %2").arg(processes).arg(bytes(e.host.total())) : bytes(host);
  if (check.available.host >= 0) main += tr(" of %1 free").arg(bytes(check.available.host));
  parts << main;
  // The GPU closest to full stands for them all.
  double fullest = -1;
  QString gpuText;
  for (const auto& [id, gpu] : e.gpus) {
    int64_t free = -1;
    for (const auto& [free_id, bytes_free] : check.available.gpus)
      if (free_id == id) free = bytes_free;
    const double share = free > 0 ? double(gpu.total()) / double(free) : 0.0;
    if (share <= fullest) continue;
    fullest = share;
    gpuText = tr("GPU %1: %2").arg(id).arg(bytes(gpu.total()));
    if (free >= 0) gpuText += tr(" of %1 free").arg(bytes(free));
  }
  if (!gpuText.isEmpty()) parts << gpuText;
  Outcome outcome;
  outcome.doesNotFit = !check.shortfall.empty() ||
                       (processes > 1 && check.available.host >= 0 && host > check.available.host);
  outcome.text = (outcome.doesNotFit ? tr("Does not fit: ") : tr("Memory: ")) + parts.join(QStringLiteral(", "));
  QStringList tip;
  if (!check.shortfall.empty())
    tip << tr("Start would stop: %1").arg(QString::fromStdString(check.shortfall));
  else if (outcome.doesNotFit)
    tip << tr("%1 worker processes each need %2; %3 are free: use fewer processes or lower --batch-size")
               .arg(processes)
               .arg(bytes(e.host.total()), bytes(check.available.host));
  for (const std::string& line : fitbench::describe_memory_estimate(e)) tip << QString::fromStdString(line);
  if (!check.data_missing.empty())
    tip << tr("The data is not counted: %1").arg(QString::fromStdString(check.data_missing));
  outcome.toolTip = tip.join(QLatin1Char('\n'));
  return outcome;
}
