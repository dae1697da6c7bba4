//! ヘルプ > メールの流れ: how mail travels, as an inline SVG diagram.
use leptos::prelude::*;

use crate::i18n::{Catalogue, use_lang};

/// One labelled box of the diagram.
fn node(
    x: i32,
    y: i32,
    w: i32,
    testid: &'static str,
    class: &'static str,
    title: impl Fn(&'static Catalogue) -> &'static str + Send + Sync + Copy + 'static,
    sub: Option<fn(&'static Catalogue) -> &'static str>,
) -> impl IntoView {
    let lang = use_lang();
    let h = if sub.is_some() { 64 } else { 48 };
    let cx = x + w / 2;
    view! {
        <g class=format!("flow-node {class}") data-testid=testid>
            <rect x=x y=y width=w height=h rx="8" />
            <text x=cx y=y + 28 text-anchor="middle" class="flow-title">
                {move || title(lang.get().t())}
            </text>
            {sub.map(|s| view! {
                <text x=cx y=y + 50 text-anchor="middle" class="flow-sub">
                    {move || s(lang.get().t())}
                </text>
            })}
        </g>
    }
}

fn label(x: i32, y: i32, text: fn(&'static Catalogue) -> &'static str) -> impl IntoView {
    let lang = use_lang();
    view! {
        <text x=x y=y text-anchor="middle" class="flow-label">
            {move || text(lang.get().t())}
        </text>
    }
}

#[component]
pub fn HelpPage() -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().t();
    view! {
        <section class="page">
            <h1>{move || t().help_title}</h1>
            <h2 data-testid="help-flow-title">{move || t().help_flow_title}</h2>
            <p>{move || t().help_flow_intro}</p>
            <svg
                class="flow-diagram"
                viewBox="0 0 1050 330"
                role="img"
                data-testid="mail-flow-diagram"
                aria-labelledby="flow-caption"
            >
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" markerHeight="10" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
                        <path d="M0,0 L10,5 L0,10 z" />
                    </marker>
                </defs>
                {node(10, 140, 200, "flow-sender", "tayori", |t| t.flow_sender, None)}
                {node(270, 140, 220, "flow-smtp", "server", |t| t.flow_smtp, None)}
                {node(270, 20, 220, "flow-dns", "dns", |t| t.flow_dns, None)}
                {node(550, 140, 200, "flow-receiving", "server", |t| t.flow_receiving, None)}
                {node(790, 50, 255, "flow-pop", "tayori", |t| t.flow_pop, Some(|t| t.flow_pop_desc))}
                {node(790, 230, 255, "flow-imap", "imap", |t| t.flow_imap, Some(|t| t.flow_imap_desc))}
                <line x1="210" y1="164" x2="268" y2="164" class="flow-arrow" marker-end="url(#arrow)" />
                {label(240, 156, |t| t.flow_send_label)}
                <line x1="380" y1="138" x2="380" y2="70" class="flow-arrow" marker-end="url(#arrow)" marker-start="url(#arrow)" />
                {label(455, 108, |t| t.flow_lookup_label)}
                <line x1="490" y1="164" x2="548" y2="164" class="flow-arrow" marker-end="url(#arrow)" />
                {label(520, 156, |t| t.flow_relay_label)}
                <path d="M750,150 C770,150 770,82 788,82" class="flow-arrow carry" marker-end="url(#arrow)" />
                <path d="M750,180 C770,180 770,262 788,262" class="flow-arrow view" marker-start="url(#arrow)" />
            </svg>
            <p id="flow-caption" class="caption">{move || t().flow_caption}</p>
        </section>
    }
}
