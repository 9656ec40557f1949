using Spectre.Console;

namespace AllocGen.Tune.Replay;

/// <summary>A progress bar per variant, for an interactive terminal.</summary>
public sealed class SpectreProgress(ProgressContext context) : IReplayProgress
{
    private readonly Dictionary<string, ProgressTask> _tasks = [];

    public void Begin(string variant, int passes) =>
        _tasks[variant] = context.AddTask(Markup.Escape(variant), maxValue: passes);

    public void PassDone(string variant, string pass) => _tasks[variant].Increment(1);

    public void End(string variant) => _tasks[variant].StopTask();
}
