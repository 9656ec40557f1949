namespace AllocGen.Tune.Replay;

/// <summary>Where a replay says how far it is: a live progress display on a terminal, plain lines otherwise.</summary>
public interface IReplayProgress
{
    /// <summary>A variant's replay starts; it will take <paramref name="passes"/> passes over the trace.</summary>
    void Begin(string variant, int passes);

    /// <summary>One pass of <paramref name="variant"/> is done.</summary>
    void PassDone(string variant, string pass);

    /// <summary>The variant's replay is done.</summary>
    void End(string variant);
}

/// <summary>Progress as one line per variant and pass, for redirected output and tests.</summary>
public sealed class PlainProgress(TextWriter writer) : IReplayProgress
{
    public void Begin(string variant, int passes) => writer.WriteLine($"{variant}: {passes} passes");

    public void PassDone(string variant, string pass) => writer.WriteLine($"{variant}: {pass} done");

    public void End(string variant) => writer.WriteLine($"{variant}: done");
}
