using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Scriban;
using Scriban.Functions;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace AllocGen.Generators.Emission;

/// <summary>
/// Renders the embedded Scriban templates. What costs time is kept out of the per-render path: each template is parsed
/// once per process, Scriban's builtin functions are built only if a template calls one, and each render writes into a
/// buffer sized for that template's last output. Each render still gets a fresh context and fresh globals.
/// </summary>
internal static class TemplateRenderer
{
    // Lazy, so that two threads asking for the same template at once still parse it once.
    private static readonly ConcurrentDictionary<string, Lazy<Template>> s_templates = new();

    // The length of each template's last output: the next render's buffer starts that large instead of growing
    // (doubling and copying) through a generated file of tens of kilobytes.
    private static readonly ConcurrentDictionary<string, int> s_outputLengths = new();

    // Scriban's builtin library (string., array., math., date., ...) is hundreds of functions imported through
    // reflection: a TemplateContext built without builtins builds it on every render, and even once it costs a
    // compiler process about 50 ms. No template calls one today, so each context starts with an empty set and looks a
    // name no scope defines up in the library, built on the first such lookup and shared read-only.
    private static readonly ScriptObject s_noBuiltins = new() { IsReadOnly = true };
    private static readonly Lazy<ScriptObject> s_builtins = new(() => new BuiltinFunctions { IsReadOnly = true });
    private static readonly TemplateContext.TryGetVariableDelegate s_lookUpBuiltin = LookUpBuiltin;

    private static int s_parseCount;

    /// <summary>How many times a template was parsed in this process: once per template, however many renders.</summary>
    internal static int ParseCount => Volatile.Read(ref s_parseCount);

    public static string Render(string templateName, object model)
    {
        Template template = s_templates.GetOrAdd(templateName, name => new Lazy<Template>(() => Load(name))).Value;
        TemplateContext context = NewContext(model);
        var output = new StringBuilder(s_outputLengths.TryGetValue(templateName, out int length) ? length : 0);
        context.PushOutput(new StringBuilderOutput(output));
        string text = template.Render(context);
        s_outputLengths[templateName] = text.Length;
        return text.IndexOf('\r') < 0 ? text : text.Replace("\r\n", "\n");
    }

    /// <summary>Renders template text that is not embedded (for tests of the renderer itself).</summary>
    internal static string RenderText(string templateText, object model) => Template.Parse(templateText).Render(NewContext(model));

    /// <summary>A fresh context whose globals are the model's properties, by their C# names.</summary>
    private static TemplateContext NewContext(object model)
    {
        var globals = new ScriptObject();
        globals.Import(model, renamer: member => member.Name);

        // Unrolled emission loops over every size class: lift Scriban's default loop limit.
        var context = new TemplateContext(s_noBuiltins) { MemberRenamer = member => member.Name, LoopLimit = 0, StrictVariables = true, TryGetVariable = s_lookUpBuiltin };
        context.PushGlobal(globals);
        return context;
    }

    private static bool LookUpBuiltin(TemplateContext context, SourceSpan span, ScriptVariable variable, out object value) =>
        s_builtins.Value.TryGetValue(variable.Name, out value!);

    private static Template Load(string templateName)
    {
        Interlocked.Increment(ref s_parseCount);
        string resource = "AllocGen.Templates." + templateName;
        using Stream stream = typeof(TemplateRenderer).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException("Missing embedded template " + resource);
        using var reader = new StreamReader(stream);
        Template template = Template.Parse(reader.ReadToEnd(), templateName);
        if (template.HasErrors)
        {
            throw new InvalidOperationException("Template " + templateName + " is invalid: " + string.Join("; ", template.Messages.Select(m => m.ToString())));
        }

        return template;
    }
}
